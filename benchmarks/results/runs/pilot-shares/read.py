"""RULE.md's reading: one hbo run's mean global shares held fixed in a later run of another seed
(`pilot-shares`), against proportional and hbo's default (their stored runs of the main seeds), per
mixture and pooled over the four development mixtures, and the rule's decision. Run from the
repository root: python benchmarks/results/runs/pilot-shares/read.py [--pilot-steps 500 |
--carve-probe] [MIXTURE ...] (default: every mixture with runs here). With ``--pilot-steps 500``,
RULE-half.md's reading: the arm whose shares come from the pilot's first 500 steps
(`half-pilot-shares`), against `pilot-shares` too; with ``--carve-probe``, RULE-carved.md's
(`carved-pilot-shares`)."""
import sys

sys.path.insert(0, "benchmarks")
sys.path.insert(0, "benchmarks/results/runs/pilot-shares")
import pair_runs  # noqa: E402
from run import ARMS, HERE, arm_name, folders  # noqa: E402



def arms(mixture: str, name: str = "pilot-shares") -> dict[str, list[dict]]:
    """Each arm's run files in main-seed order (``name``'s and, when it is another arm, pilot-shares'
    too), every one checked to have run on the machine and libraries of the stored runs it is paired
    with."""
    seeds, _, hbo_runs, plain_runs, _ = ARMS[mixture]
    mine = {n: pair_runs.per_seed_oracle_runs(str(HERE / mixture), n, seeds)
            for n in dict.fromkeys([name, "pilot-shares"])}
    hbo, plain = (pair_runs.read_arms(folders(hbo_runs), f"{folders(plain_runs)}:proportional", seeds))
    for runs in mine.values():
        for stored in (hbo, plain):
            for x, y in zip(runs, stored):
                pair_runs.check_alike(x, y)
    return {**mine, "hbo": hbo, "proportional": plain}


def main(mixtures: list[str], name: str = "pilot-shares") -> None:
    dev = {}
    others = ("pilot-shares", "proportional", "hbo") if name != "pilot-shares" else ("proportional", "hbo")
    for m in mixtures:
        runs = arms(m, name)
        seeds = [r["seed"] for r in runs[name]]
        print(f"{m}, seeds {seeds[0]}-{seeds[-1]}, paired 95% bootstrap interval:")
        for first, second in [(name, other) for other in others] + [("hbo", "proportional")]:
            result = pair_runs.compare_pair(runs[first], runs[second])
            print("  " + pair_runs.format_pair(f"{first} - {second}", result))
        shares = pair_runs.held_shares(str(HERE / m), runs[name])
        print("  shares held (mean over the main seeds): " + pair_runs.format_shares(shares))
        print("  hbo's own mean shares, the main seeds: "
              + pair_runs.format_shares(pair_runs.late_shares(folders(ARMS[m][2]), seeds, 0)))
        if m in pair_runs.DEV_MIXTURES:
            dev[m] = runs
    if len(dev) < len(pair_runs.DEV_MIXTURES):
        return
    pooled = pair_runs.pooled_report(name, {other: [(r[name], r[other]) for r in dev.values()] for other in others})
    if name == "pilot-shares":
        advise = pooled["proportional"][1] > 0 and pooled["hbo"][0] >= 0
        print("decision (RULE.md: the interval against proportional above 0, the difference against hbo's default "
              f"at or above 0): {'advise the workflow and build it' if advise else 'nothing is built'}")
    elif name == "half-pilot-shares":
        enough = pooled["proportional"][1] > 0 and pooled["pilot-shares"][1] >= -1.0
        print("decision (RULE-half.md: the interval against proportional above 0, the lower end against pilot-shares "
              f"at or above -1.0): {'a first run half as long is enough' if enough else 'a full first run'}")
    else:  # RULE-carved.md: a report
        low, high = pooled["hbo"][1:]
        print("reading (RULE-carved.md): against hbo pooled, "
              + ("within noise: the probe accounts for what the fixed shares had over hbo" if low <= 0 <= high else
                 "outside the noise: the path (or the levels) is worth at least that much"))


if __name__ == "__main__":
    argv = sys.argv[1:]
    steps = int(argv.pop(argv.index("--pilot-steps") + 1)) if "--pilot-steps" in argv else None
    carve = "--carve-probe" in argv
    argv = [a for a in argv if a not in ("--pilot-steps", "--carve-probe")]
    arm = arm_name(steps, carve)
    main(argv or [m for m in ARMS if any((HERE / m).rglob(f"{arm}-*.json"))], arm)

"""RULE.md's reading: one hbo run's mean global shares held fixed in a later run of another seed
(`pilot-shares`), against proportional and hbo's default (their stored runs of the main seeds), per
mixture and pooled over the four development mixtures, and the rule's decision. Run from the
repository root: python benchmarks/results/runs/pilot-shares/read.py [MIXTURE ...] (default: every
mixture with runs here)."""
import json
import sys

sys.path.insert(0, "benchmarks")
sys.path.insert(0, "benchmarks/results/runs/pilot-shares")
import pair_runs  # noqa: E402
from run import ARMS, HERE, folders  # noqa: E402

from hbo.outputs.comparison import paired_interval  # noqa: E402


def pilot_runs(mixture: str, seeds: list[int]) -> list[dict]:
    """The arm's run file of each main seed: one per seed, each named after its own shares' digest."""
    runs = []
    for s in seeds:
        paths = list((HERE / mixture).rglob(f"pilot-shares-????????-{s}.json"))
        if len(paths) != 1:
            raise SystemExit(f"{mixture}: {len(paths)} pilot-shares runs of seed {s}, not one")
        runs.append(json.loads(paths[0].read_text()))
    return runs


def arms(mixture: str) -> dict[str, list[dict]]:
    """Each arm's run files in main-seed order, every pilot-shares run checked to have run on the
    machine and libraries of the stored runs it is paired with."""
    seeds, _, hbo_runs, plain_runs, _ = ARMS[mixture]
    pilot = pilot_runs(mixture, seeds)
    hbo, plain = (pair_runs.read_arms(folders(hbo_runs), f"{folders(plain_runs)}:proportional", seeds))
    for stored in (hbo, plain):
        for x, y in zip(pilot, stored):
            pair_runs.check_alike(x, y)
    return {"pilot-shares": pilot, "hbo": hbo, "proportional": plain}


def held_shares(mixture: str, runs: list[dict]) -> dict[str, float]:
    """The shares the runs held (each its pilot's, fixed for the whole run), averaged over the runs."""
    means: dict[str, float] = {}
    for r in runs:
        log = next((HERE / mixture).rglob(f"{r['name']}-{r['seed']}-probabilities.jsonl"))
        for d, p in json.loads(log.read_text().splitlines()[0])["global"].items():
            means[d] = means.get(d, 0.0) + p / len(runs)
    return means


def main(mixtures: list[str]) -> None:
    dev = {}
    for m in mixtures:
        runs = arms(m)
        seeds = [r["seed"] for r in runs["pilot-shares"]]
        print(f"{m}, seeds {seeds[0]}-{seeds[-1]}, paired 95% bootstrap interval:")
        for first, second in (("pilot-shares", "proportional"), ("pilot-shares", "hbo"), ("hbo", "proportional")):
            print("  " + pair_runs.format_pair(f"{first} - {second}", pair_runs.compare_pair(runs[first], runs[second])))
        print("  shares held (mean over the main seeds): " + pair_runs.format_shares(held_shares(m, runs["pilot-shares"])))
        print("  hbo's own mean shares, the main seeds: "
              + pair_runs.format_shares(pair_runs.late_shares(folders(ARMS[m][2]), seeds, 0)))
        if m in pair_runs.DEV_MIXTURES:
            dev[m] = runs
    if len(dev) < len(pair_runs.DEV_MIXTURES):
        return
    pooled = {}
    print("the four development mixtures pooled (the k-th seed of each one unit), 95%, 20000 resamples:")
    for other in ("proportional", "hbo"):
        first, second = pair_runs.pool([(r["pilot-shares"], r[other]) for r in dev.values()])
        pooled[other] = paired_interval(first, second, 95.0, 20000)
        print(f"  pilot-shares - {other}: {pooled[other][0]:+.2f} [{pooled[other][1]:+.2f}, {pooled[other][2]:+.2f}]")
    advise = pooled["proportional"][1] > 0 and pooled["hbo"][0] >= 0
    print("decision (RULE.md: the interval against proportional above 0, the difference against hbo's default at "
          f"or above 0): {'advise the workflow and build it' if advise else 'nothing is built'}")


if __name__ == "__main__":
    main(sys.argv[1:] or [m for m in ARMS if any((HERE / m).rglob("pilot-shares-*.json"))])

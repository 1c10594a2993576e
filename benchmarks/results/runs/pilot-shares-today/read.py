"""RULE.md's reading: one run of today's default, its shares held fixed in a later run of another seed
(`pilot-shares-today`), against proportional and today's default (their stored runs of the main
seeds), per mixture, pooled over the four development mixtures, and the rule's decision. Run from the
repository root:

    python benchmarks/results/runs/pilot-shares-today/read.py [MIXTURE ...]    # read.txt

(default: every mixture with runs here). Model 167's proportional runs of the development mixtures
are paired with this processor's as they are (`../all-strategies-207/processors.txt`); every pair is
still checked to share its library versions and to come from one of the two Intel models."""
import sys

sys.path.insert(0, "benchmarks")
sys.path.insert(0, "benchmarks/results/runs/pilot-shares-today")
import pair_runs  # noqa: E402
from run import ARMS, HERE, NAME, RUNS  # noqa: E402


def main(mixtures: list[str]) -> None:
    dev = {}
    for m in mixtures:
        seeds, _, _, hbo_runs, plain_runs, _ = ARMS[m]
        held = pair_runs.per_seed_oracle_runs(str(HERE / m), NAME, seeds)
        hbo = pair_runs.read_seeds(str(RUNS / hbo_runs), seeds)
        plain = pair_runs.read_seeds(f"{RUNS / plain_runs}:proportional", seeds)
        alike = pair_runs.check_alike_processors
        runs = {"proportional": alike(held, plain), "hbo": alike(held, hbo)}
        print(f"{m}, seeds {seeds[0]}-{seeds[-1]}, paired 95% bootstrap interval:")
        for other, (mine, theirs) in runs.items():
            print("  " + pair_runs.format_pair(f"{NAME} - {other}", pair_runs.compare_pair(mine, theirs)))
        print("  " + pair_runs.format_pair("hbo - proportional", pair_runs.compare_pair(*alike(hbo, plain))))
        shares = pair_runs.held_shares(str(HERE / m), held)
        print("  shares held (mean over the main seeds): " + pair_runs.format_shares(shares))
        if m in pair_runs.DEV_MIXTURES:
            dev[m] = runs
    if len(dev) < len(pair_runs.DEV_MIXTURES):
        return
    pooled = pair_runs.pooled_report(NAME, {other: [r[other] for r in dev.values()]
                                            for other in ("proportional", "hbo")})
    keep = pooled["proportional"][1] > 0 and pooled["hbo"][0] >= 0
    print("decision (RULE.md: the interval against proportional above 0, the difference against today's default "
          f"at or above 0): {'the README keeps the advice' if keep else 'the advice is withdrawn'}")


if __name__ == "__main__":
    main(sys.argv[1:] or [m for m in ARMS if any((HERE / m).rglob(f"{NAME}-????????-*.json"))])

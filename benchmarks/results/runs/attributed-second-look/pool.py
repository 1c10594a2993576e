"""The decision RULE.md names: `attributed` against the default over the four development mixtures,
seeds 0-29 (0-17 the earlier pairs, on an AMD EPYC; 18-29 this folder's candidate runs against the
default's in wrong-tokens-evidence-fresh/, on an Intel Xeon), each seed's difference taken within its
own pair of runs on one machine. Run from the repository root:

    python benchmarks/results/runs/attributed-second-look/pool.py [--seeds 0 1 ...]

(--seeds only to check the script against the earlier seeds 0-17; the decision reads 0-29.)"""
import argparse
import sys

import numpy as np

sys.path.insert(0, "benchmarks")
sys.path.insert(0, "src")
import pair_runs  # noqa: E402
from hbo.outputs.comparison import paired_bootstrap  # noqa: E402

R = "benchmarks/results/runs"
HERE, FRESH = f"{R}/attributed-second-look", f"{R}/wrong-tokens-evidence-fresh"
MIXTURES = ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")
RESAMPLES = 20000


def folders(arm: str, m: str) -> str:
    """Seeds 0-17 of one arm: 0-5, 6-11 and 12-17 in three folders, except `attributed`'s seeds 0-11 of
    `dev-tiebreak`, all in its first (its 611 folder holds only that mixture's plots)."""
    tails = ("1000", "1217-1000") if (arm, m) == ("attributed", "dev-tiebreak") else ("1000", "611-1000", "1217-1000")
    return ",".join(f"{R}/{arm}-constant-{m}-{tail}" for tail in tails)


def arms(m: str, seeds: list[int]) -> tuple[dict, dict]:
    """Both arms' run files for mixture m, by seed; a seed missing on either side stops the script."""
    fresh = max(seeds) > 17
    cand = pair_runs.read_runs(folders("attributed", m) + (f",{HERE}/candidate-{m}" if fresh else ""), seeds)
    base = pair_runs.read_runs(folders("machine", m) + (f",{FRESH}/default-{m}" if fresh else ""), seeds)
    for name, runs in (("attributed", cand), ("default", base)):
        if sorted(runs) != seeds:
            raise SystemExit(f"{m}: {name} has seeds {sorted(runs)}, not {seeds}")
    for s in seeds:
        pair_runs.check_alike(cand[s], base[s])
    return cand, base


def interval(first: list[dict], second: list[dict], level: float) -> tuple[float, float, float]:
    delta, draws = paired_bootstrap(first, second, RESAMPLES, 0)
    low, high = np.percentile(draws, [50 - level / 2, 50 + level / 2])
    return delta, float(low), float(high)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(30)))
    seeds = sorted(parser.parse_args().seeds)
    units = []
    for m in MIXTURES:
        cand, base = arms(m, seeds)
        units.append(([cand[s] for s in seeds], [base[s] for s in seeds]))
        first, second = ([r["exact"] for r in runs] for runs in units[-1])
        delta, low, high = interval(first, second, 95)
        per = {d: 100 * (np.mean([np.mean(f[d]) for f in first]) - np.mean([np.mean(s[d]) for s in second]))
               for d in first[0]}
        print(f"{m}: {delta:+.2f} [{low:+.2f}, {high:+.2f}] (95%); " + ", ".join(f"{d} {v:+.1f}" for d, v in per.items()))
    pooled_first, pooled_second = pair_runs.pool(units)
    for level in (95, 97.5):
        delta, low, high = interval(pooled_first, pooled_second, level)
        print(f"pooled, seeds {seeds[0]}-{seeds[-1]}: {delta:+.3f} [{low:+.3f}, {high:+.3f}] ({level}%, {RESAMPLES} resamples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

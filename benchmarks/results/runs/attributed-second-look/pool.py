"""The decision RULE.md names: `attributed` against the default over the four development mixtures,
seeds 0-29 (0-17 the earlier pairs, on an AMD EPYC; 18-29 this folder's candidate runs against the
default's in wrong-tokens-evidence-fresh/, on an Intel Xeon), each seed's difference taken within its
own pair of runs on one machine. Run from the repository root:

    python benchmarks/results/runs/attributed-second-look/pool.py [--seeds 0 1 ...]

(--seeds only to check the script against the earlier seeds 0-17; the decision reads 0-29.)"""
import argparse
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE, FRESH = f"{R}/attributed-second-look", f"{R}/wrong-tokens-evidence-fresh"
MIXTURES = ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")


def folders(arm: str, m: str) -> str:
    """Seeds 0-17 of one arm: 0-5, 6-11 and 12-17 in three folders, except `attributed`'s seeds 0-11 of
    `dev-tiebreak`, all in its first (its 611 folder holds only that mixture's plots)."""
    tails = ("1000", "1217-1000") if (arm, m) == ("attributed", "dev-tiebreak") else ("1000", "611-1000", "1217-1000")
    return ",".join(f"{R}/{arm}-constant-{m}-{tail}" for tail in tails)


def arms(m: str, seeds: list[int]) -> tuple[list[dict], list[dict]]:
    """Both arms' run files for mixture m in seed order; a seed missing on either side stops the script."""
    fresh = max(seeds) > 17
    return pair_runs.read_arms(folders("attributed", m) + (f",{HERE}/candidate-{m}" if fresh else ""),
                               folders("machine", m) + (f",{FRESH}/default-{m}" if fresh else ""), seeds)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(30)))
    seeds = sorted(parser.parse_args().seeds)
    print("\n".join(pair_runs.second_look({m: arms(m, seeds) for m in MIXTURES})))
    return 0


if __name__ == "__main__":
    sys.exit(main())

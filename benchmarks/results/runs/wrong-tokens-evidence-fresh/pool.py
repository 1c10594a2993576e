"""The decision RULE.md names: the candidate against the default over the four development mixtures,
seeds 0-29 (0-17 the earlier rule's pairs, 18-29 this folder's), each seed's difference taken within
its own pair of runs on one machine. Run from the repository root:

    python benchmarks/results/runs/wrong-tokens-evidence-fresh/pool.py [--seeds 0 1 ...]

(--seeds only to check the script against the earlier rule's seeds 0-17; the decision reads 0-29.)"""
import argparse
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
SCREEN, RULE, FRESH = f"{R}/wrong-tokens-evidence-screen", f"{R}/wrong-tokens-evidence-rule", f"{R}/wrong-tokens-evidence-fresh"
CANDIDATE = {"dev": f"{SCREEN}/dev,{RULE}/dev-4-11,{RULE}/dev-12-17", "dev-clean": f"{RULE}/dev-clean",
             "dev-pretrained": f"{SCREEN}/dev-pretrained,{RULE}/dev-pretrained-4-17", "dev-tiebreak": f"{RULE}/dev-tiebreak"}


def default(m: str) -> str:
    return f"{R}/machine-constant-{m}-1000,{R}/machine-constant-{m}-611-1000,{R}/machine-constant-{m}-1217-1000"


def arms(m: str, seeds: list[int]) -> tuple[list[dict], list[dict]]:
    """Both arms' run files for mixture m in seed order; a seed missing on either side stops the script."""
    fresh = max(seeds) > 17
    return pair_runs.read_arms(f"{CANDIDATE[m]},{FRESH}/candidate-{m}" if fresh else CANDIDATE[m],
                               f"{default(m)},{FRESH}/default-{m}" if fresh else default(m), seeds)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(30)))
    seeds = sorted(parser.parse_args().seeds)
    print("\n".join(pair_runs.second_look({m: arms(m, seeds) for m in CANDIDATE})))
    return 0


if __name__ == "__main__":
    sys.exit(main())

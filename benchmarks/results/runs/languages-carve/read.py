"""RULE.md's reading: hbo with its probe carved out and both actors held at temperature sampling's
mixture (`sampling.temperature=10 sampling.tilt=0`) against temperature sampling, on `check-languages`
under linear decay, seeds 0-11, every run on one processor (Intel Xeon, model 207). Run from the
repository root: `python benchmarks/results/runs/languages-carve/read.py` (saved as `read.txt`)."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
ARM = f"{R}/languages-carve/linear"
STORED = f"{R}/check-languages/linear"
SEEDS = list(range(12))


def held_at_the_prior(seed: int) -> float:
    """The largest move of the arm's drawn global distribution from its first record, and of any
    local distribution from uniform, over the run's log."""
    records = pair_runs.probability_records(ARM, seed)
    first = records[0]["global"]
    moves = [abs(r["global"][d] - p) for r in records for d, p in first.items()]
    moves += [abs(p - 1 / len(levels)) for r in records for levels in r["local"].values() for p in levels.values()]
    return max(moves)


def main() -> None:
    largest = max(held_at_the_prior(s) for s in SEEDS)
    print(f"the arm's mixture held at the prior and its levels uniform, largest move over seeds 0-11: {largest:.1e}"
          + ("" if largest < 1e-6 else "  (NOT HELD: the arm is not temperature sampling's mixture)"))
    print("check-languages, linear decay, seeds 0-11, 400 questions per dataset, paired 95% bootstrap interval:")
    print(pair_runs.pair_line("probe carved, temperature's mixture - temperature sampling", ARM,
                              f"{STORED}:temperature", SEEDS))
    print(pair_runs.pair_line("hbo's default - temperature sampling (stored, for scale)", STORED,
                              f"{STORED}:temperature", SEEDS))
    print(pair_runs.pair_line("hbo's default - probe carved, temperature's mixture", STORED, ARM, SEEDS))


if __name__ == "__main__":
    main()

"""RULE-check-newtask.md's reading: `check-newtask` under linear decay to 0, proportional, temperature
sampling and today's default, seeds 0-5, 400 questions per dataset, every run on one processor (Intel
Xeon, model 207). Run from the repository root:

    python benchmarks/results/runs/default-linear/read-check-newtask.py    # read-check-newtask.txt"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

RUNS = "benchmarks/results/runs/default-linear/check-newtask"
SEEDS = list(range(6))


if __name__ == "__main__":
    print("check-newtask, linear decay, seeds 0-5, 400 questions per dataset, paired 95% bootstrap interval:")
    print(pair_runs.pair_line("hbo - proportional", RUNS, f"{RUNS}:proportional", SEEDS))
    print(pair_runs.pair_line("hbo - temperature sampling", RUNS, f"{RUNS}:temperature", SEEDS))
    print(pair_runs.pair_line("temperature sampling - proportional", f"{RUNS}:temperature", f"{RUNS}:proportional",
                              SEEDS))
    print(pair_runs.shares_line("hbo", RUNS, SEEDS, early="evens"))
    print("proportional, mean share from step 550: "
          + pair_runs.format_shares(pair_runs.late_shares(RUNS, SEEDS, 550, name="proportional")))

"""RULE-check-newtask.md's reading: `check-newtask` under linear decay to 0, proportional, temperature
sampling and today's default, seeds 0-5, 400 questions per dataset, every run on one processor (AMD
EPYC, family 25, model 17). Run from the repository root:

    python benchmarks/results/runs/default-linear/read-check-newtask.py    # read-check-newtask.txt"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
RUNS = f"{R}/default-linear/check-newtask"
SEEDS = list(range(6))
# the constant schedule's runs of the same seeds, for scale: today's default (`default-table/read.py`) and
# proportional (model 167, which answers as model 207 does: `all-strategies-207/processors.txt`)
CONSTANT_HBO = f"{R}/average-draw-screen/check-newtask,{R}/default-table/check-newtask"
CONSTANT_PROPORTIONAL = f"{R}/check-newtask/runs:proportional"


if __name__ == "__main__":
    print("check-newtask, linear decay, seeds 0-5, 400 questions per dataset, paired 95% bootstrap interval:")
    print(pair_runs.pair_line("hbo - proportional", RUNS, f"{RUNS}:proportional", SEEDS))
    print(pair_runs.pair_line("hbo - temperature sampling", RUNS, f"{RUNS}:temperature", SEEDS))
    print(pair_runs.pair_line("temperature sampling - proportional", f"{RUNS}:temperature", f"{RUNS}:proportional",
                              SEEDS))
    print(pair_runs.shares_line("hbo", RUNS, SEEDS, early="evens"))
    print("proportional, mean share from step 550: "
          + pair_runs.format_shares(pair_runs.late_shares(RUNS, SEEDS, 550, name="proportional")))
    print("for scale, the constant schedule on the same seeds (stored runs):")
    print(pair_runs.pair_line("  hbo - proportional", CONSTANT_HBO, CONSTANT_PROPORTIONAL, SEEDS,
                              alike_processors=True))

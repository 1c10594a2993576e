"""RULE.md's reading: today's default under linear decay against proportional under linear decay
(model 167's stored runs, paired across the two Intel models that answer alike), with the draws
before (`new-default-linear/`, `check-manynew/linear/`) beside it. Run from the repository root:

    python benchmarks/results/runs/default-linear/read.py    # read.txt"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/default-linear"
SEEDS = {"hard": [0, 1, 2, 3], "clean": [0, 1, 2, 3], "dev": [0, 1, 2, 3], "dev-pretrained": [0, 1, 2, 3],
         "check-manynew": [0, 1, 2, 3, 4, 5]}
TODAY = {"hard": f"{HERE}/reports/runs/hard-1000", "clean": f"{HERE}/reports/runs/clean-1000",
         "dev": f"{HERE}/dev", "dev-pretrained": f"{HERE}/dev-pretrained", "check-manynew": f"{HERE}/check-manynew"}
BEFORE = {"hard": f"{R}/new-default-linear/reports/runs/hard-1000",
          "clean": f"{R}/new-default-linear/reports/runs/clean-1000",
          "dev": f"{R}/new-default-linear/dev", "dev-pretrained": f"{R}/new-default-linear/dev-pretrained",
          "check-manynew": f"{R}/check-manynew/linear"}
PROPORTIONAL = {"hard": f"{R}/schedule-screen/linear-reports/runs/hard-1000",
                "clean": f"{R}/schedule-screen/linear-reports/runs/clean-1000",
                "dev": f"{R}/schedule-screen/linear-dev",
                "dev-pretrained": f"{R}/schedule-screen/linear-dev-pretrained",
                "check-manynew": f"{R}/check-manynew/linear"}


if __name__ == "__main__":
    for m, seeds in SEEDS.items():
        print(f"{m}, linear decay, seeds {seeds[0]}-{seeds[-1]}, paired 95% bootstrap interval:")
        for label, mine in (("today's default", TODAY[m]), ("the draws before", BEFORE[m])):
            print("  " + pair_runs.pair_line(f"{label} - proportional", mine, f"{PROPORTIONAL[m]}:proportional", seeds,
                                             alike_processors=True))
        print("  " + pair_runs.pair_line("today's default - the draws before", TODAY[m], BEFORE[m], seeds,
                                         alike_processors=True))

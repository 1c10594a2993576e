"""RULE.md's reading: the new default under linear decay against proportional under linear decay,
and against the previous default under linear decay, seeds 0-3, one processor (Intel Xeon, model
167); the previous default's and proportional's runs are schedule-screen's. Run from the repository
root: python benchmarks/results/runs/new-default-linear/read.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/new-default-linear"
SEEDS = [0, 1, 2, 3]
MINE = {"hard": f"{HERE}/reports/runs/hard-1000", "clean": f"{HERE}/reports/runs/clean-1000",
        "dev": f"{HERE}/dev", "dev-pretrained": f"{HERE}/dev-pretrained"}
OLD = {"hard": f"{R}/schedule-screen/linear-reports/runs/hard-1000",
       "clean": f"{R}/schedule-screen/linear-reports/runs/clean-1000",
       "dev": f"{R}/schedule-screen/linear-dev", "dev-pretrained": f"{R}/schedule-screen/linear-dev-pretrained"}
for label, against in (("proportional (linear)", lambda m: f"{OLD[m]}:proportional"),
                       ("the previous default (linear)", lambda m: OLD[m])):
    for group in (("hard", "clean"), ("dev", "dev-pretrained")):
        arms = {m: pair_runs.read_arms(MINE[m], against(m), SEEDS) for m in group}
        print(f"hbo (the default, linear) - {label}:")
        print("\n".join(pair_runs.second_look(arms, (95.0,))))

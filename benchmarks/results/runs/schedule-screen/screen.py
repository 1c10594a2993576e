"""The schedule screen's figures (RULE.md): hbo's default and proportional under linear decay against
the same under the constant schedule, on `dev` and `dev-pretrained`, seeds 0-3, per mixture and
pooled (pair_runs.second_look, 10000 resamples). Run from the repository root:

    python benchmarks/results/runs/schedule-screen/screen.py

pair_runs.read_arms checks every pair ran on one machine with one set of libraries; the constant-schedule
arms are the stored runs of this processor.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE.parent
sys.path.insert(0, str(HERE.parents[2]))  # benchmarks/
from pair_runs import read_arms, second_look  # noqa: E402

# arm -> folder spec (pair_runs' DIR[:NAME]) for mixture m
ARMS = {
    "hbo_L": lambda m: f"{HERE}/linear-{m}",
    "prop_L": lambda m: f"{HERE}/linear-{m}:proportional",
    "hbo_C": lambda m: f"{RUNS}/abs-progress-screen/default-{m}",
    "prop_C": lambda m: f"{RUNS}/deck-screen/plain-{m}:proportional",
}
COMPARISONS = [("hbo_L", "prop_L"), ("hbo_C", "prop_C"), ("hbo_L", "hbo_C"), ("prop_L", "prop_C")]
MIXTURES, SEEDS = ("dev", "dev-pretrained"), [0, 1, 2, 3]

for first, second in COMPARISONS:
    arms = {m: read_arms(ARMS[first](m), ARMS[second](m), SEEDS) for m in MIXTURES}
    print(f"{first} - {second}:\n  " + "\n  ".join(second_look(arms, (95.0,), resamples=10000)))

"""RULE.md's reading: hbo-local (global actor at the prior, the default's local actors) against
proportional and against the default on dev-pretrained, seeds 0-3 and 18-29, every run on one
processor (Intel Xeon, model 167). Run from the repository root:
python benchmarks/results/runs/local-actors-known-tasks/read.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/local-actors-known-tasks"
SEEDS = [0, 1, 2, 3] + list(range(18, 30))
PLAIN = f"{R}/deck-screen/plain-dev-pretrained,{R}/new-default-where-it-wins/plain-dev-pretrained:proportional"
DEFAULT = f"{R}/wrong-mass-screen/dev-pretrained,{R}/wrong-mass-screen/fresh-dev-pretrained"

for label, other in (("proportional", PLAIN), ("hbo (the default)", DEFAULT)):
    print(pair_runs.pair_line(f"hbo-local - {label}, seeds 0-3 and 18-29", f"{HERE}:hbo-local", other, SEEDS))

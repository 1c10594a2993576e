"""RULE-levels.md's reading: `hbo-global` (hbo with its levels held uniform) on `check-newtask` against
hbo's default, hbo's mean time course replayed (`hbo-phases`) and proportional, seeds 0-5, every run
on one processor (Intel Xeon, model 167). Run from the repository root:
python benchmarks/results/runs/room-on-check-newtask/read_levels.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/room-on-check-newtask"
SEEDS = list(range(6))
GLOBAL = f"{HERE}/levels:hbo-global"
STORED = f"{R}/check-newtask/runs"
print(f"seeds {SEEDS[0]}-{SEEDS[-1]}, 400 questions per dataset, paired 95% bootstrap interval:")
for label, other in (("hbo (the default, stored)", STORED), ("hbo-phases", pair_runs.oracle_arm(f"{HERE}/runs", "hbo-phases")),
                     ("proportional", f"{HERE}/runs:proportional")):
    print(pair_runs.pair_line(f"hbo-global - {label}", GLOBAL, other, SEEDS))
for label, folder, name in (("hbo-global", f"{HERE}/levels", "hbo-global"), ("hbo", STORED, "hbo")):
    print(f"{label}, mean share from step 550: " + pair_runs.format_shares(pair_runs.late_shares(folder, SEEDS, 550, name)))

"""RULE-probe.md's reading: hbo's mean shares and mean time course on `check-newtask`, each with the
development probe hbo carves left out of training (`--carve-probe`), against the same arms without it
and against hbo's default, every run on one processor (Intel Xeon, model 167). Run from the
repository root:
python benchmarks/results/runs/room-on-check-newtask/read_probe.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
RUNS = f"{R}/room-on-check-newtask/runs"
STORED = f"{R}/check-newtask/runs,{R}/check-newtask/second-look"
for arm, seeds in (("hbo-shares", list(range(12))), ("hbo-phases", list(range(6)))):
    carved = pair_runs.oracle_arm(RUNS, f"{arm}-carved")
    print(f"seeds {seeds[0]}-{seeds[-1]}, 400 questions per dataset, paired 95% bootstrap interval:")
    for label, other in ((arm, pair_runs.oracle_arm(RUNS, arm)), ("hbo (the default, stored)", STORED),
                         ("proportional", f"{RUNS}:proportional")):
        print(pair_runs.pair_line(f"{arm}-carved - {label}", carved, other, seeds))

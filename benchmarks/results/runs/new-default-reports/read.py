"""RULE.md's reading: the new default (hbo) against proportional on hard and clean, seeds 4-9 alone
and seeds 0-9, every run on one processor (Intel Xeon, model 167). Seeds 0-3 come from folders that
name their processor: hbo's from wrong-mass-screen/M (the same config as the committed table's hbo;
its seeds 0-2 are the table's runs answer for answer), proportional's from deck-screen/plain-M (its
seeds 0-2 give the committed table's answers on every question; the table's files predate the
processor field). Run from the repository root:
python benchmarks/results/runs/new-default-reports/read.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/new-default-reports"
for seeds, label in ((list(range(4, 10)), "seeds 4-9"), (list(range(10)), "seeds 0-9")):
    arms = {m: pair_runs.read_arms(f"{R}/wrong-mass-screen/{m},{HERE}/runs/{m}-1000",
                                   f"{R}/deck-screen/plain-{m},{HERE}/runs/{m}-1000:proportional",
                                   seeds) for m in ("hard", "clean")}
    print(f"hbo (the default) - proportional, {label}:")
    print("\n".join(pair_runs.second_look(arms, (95.0,))))

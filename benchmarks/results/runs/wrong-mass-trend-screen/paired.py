"""Stage 1 of RULE.md read against two stored arms of this processor, paired by seed (a report; the
rule reads the arm's shares alone): each seed's end share under the trend arm minus `wrong_mass`
alone's (wrong-mass-screen/unlearnable) and minus the default's (wrong-mass-screen/unlearnable-default).
95% bootstrap over seeds, 20000 resamples, bootstrap seed 0. Run from the repository root."""
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, "benchmarks")
from unlearnable import mean_interval  # noqa: E402

R = Path("benchmarks/results/runs")
SEEDS = range(16)


def read(folder: Path) -> list[dict]:
    return [json.loads((folder / f"seed-{seed}.json").read_text()) for seed in SEEDS]


def ends(records: list[dict], machine: dict) -> list[float]:
    assert all(r["machine"] == machine for r in records), "runs of another processor do not pair"
    return [r["shares"][-1] for r in records]


runs = read(R / "wrong-mass-trend-screen/unlearnable")
arm = ends(runs, runs[0]["machine"])
for name, folder in (("wrong_mass alone", "wrong-mass-screen/unlearnable"), ("the default", "wrong-mass-screen/unlearnable-default")):
    other = ends(read(R / folder), runs[0]["machine"])
    differences = [a - o for a, o in zip(arm, other)]
    low, high = mean_interval(differences, resamples=20000)
    print(f"seeds 0-15, trend arm {statistics.fmean(arm):.3f} - {name} {statistics.fmean(other):.3f}: "
          f"{statistics.fmean(differences):+.3f} [{low:+.3f}, {high:+.3f}]; higher on {sum(x > 0 for x in differences)} of 16")

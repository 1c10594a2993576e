"""RULE-unlearnable.md's reading: today's default (datasets drawn from the mean of the global actor's
distributions) on the unlearnable check, against the stored runs of the same seeds that drew from the
actor as it stands (`wrong-mass-screen/unlearnable/`, model 167, which gives this processor's answers
from the same config). 95% bootstrap over seeds, 20000 resamples. Run from the repository root:

    python benchmarks/results/runs/average-draw-screen/read_unlearnable.py
"""
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, "benchmarks")
from unlearnable import mean_interval  # noqa: E402

R = Path("benchmarks/results/runs")


def shares(folder: Path) -> dict[int, list[float]]:
    """Each seed's noisy share at the start and after every update, from its record."""
    return {(record := json.loads(path.read_text()))["seed"]: record["shares"] for path in folder.glob("seed-*.json")}


# today's default ran as two commands side by side, seeds 0-47 and 48-95, each in its own folder
mean_draws = {**shares(R / "average-draw-screen/unlearnable"), **shares(R / "average-draw-screen/unlearnable-48-95")}
actor_draws = shares(R / "wrong-mass-screen/unlearnable")
seeds = sorted(mean_draws)
if not seeds or any(seed not in actor_draws for seed in seeds):
    raise SystemExit("no runs of today's default, or a seed the stored runs do not have")
for name, runs in (("today's default (mean of the actor's distributions)", mean_draws),
                   ("drawing from the actor", actor_draws)):
    ends = [runs[seed][-1] for seed in seeds]
    low, high = mean_interval(ends, resamples=20000)
    above = sum(runs[seed][-1] > runs[seed][0] for seed in seeds)
    print(f"{name}, seeds {seeds[0]}-{seeds[-1]} ({len(seeds)}): mean end share {statistics.fmean(ends):.3f} "
          f"[{low:.3f}, {high:.3f}]; above its start on {above} of {len(seeds)}")
differences = [mean_draws[seed][-1] - actor_draws[seed][-1] for seed in seeds]
low, high = mean_interval(differences, resamples=20000)
print(f"paired by seed, today's default - drawing from the actor: {statistics.fmean(differences):+.3f} "
      f"[{low:+.3f}, {high:+.3f}]; lower on {sum(d < 0 for d in differences)} of {len(seeds)}")

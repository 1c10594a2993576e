"""The unlearnable check's end shares, seeds 0-15: an arm's (this screen's by default, or the folder of
``seed-N.json`` files given) against the default on the same seeds and processor
(abs-progress-screen/), paired by seed, 95% bootstrap over seeds, 20000 resamples
(`unlearnable.mean_interval`). Run from the repository root:
python benchmarks/results/runs/clear-split-screen/paired.py [ARM_DIR]"""
import json
import statistics
import sys
from pathlib import Path

runs = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(runs.parents[1]))  # benchmarks/
from unlearnable import mean_interval  # noqa: E402

SEEDS = range(16)
folder = Path(sys.argv[1]) if len(sys.argv) > 1 else runs / "clear-split-screen/unlearnable"
arm = [json.loads((folder / f"seed-{s}.json").read_text())["shares"] for s in SEEDS]
default = [[float(v) for v in line.split("noisy share ")[1].split()]
           for line in (runs / "abs-progress-screen/unlearnable-loss-0-15.txt").read_text().splitlines()
           if line.startswith("seed ")]
same = [s for s, a, d in zip(SEEDS, arm, default) if [round(v, 3) for v in a] == d]  # the text file has 3 digits
differences = [a[-1] - d[-1] for a, d in zip(arm, default)]
low, high = mean_interval(differences, resamples=20000)
print(f"end share minus the default's: {statistics.fmean(differences):+.3f} [{low:+.3f}, {high:+.3f}]; "
      f"seeds whose shares are the default's at every update: {same}")

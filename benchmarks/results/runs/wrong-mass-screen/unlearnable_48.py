"""The unlearnable check over seeds 0-47 from the run records in unlearnable/ (seeds 0-15 were run
from the throwaway copy with absolute data paths, 16-47 from the checkout with relative ones, so the
script's own resume refuses to read both in one call; the data files are the same bytes). Another
arm's folder of seed-N.json records, given as the argument, is read the same way:
python benchmarks/results/runs/wrong-mass-screen/unlearnable_48.py [FOLDER] [--resamples N]"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # benchmarks/
from unlearnable import mean_interval  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("folder", nargs="?", type=Path, default=Path(__file__).resolve().parent / "unlearnable")
parser.add_argument("--resamples", type=int, default=2000)
args = parser.parse_args()
records = [json.loads((args.folder / f"seed-{seed}.json").read_text()) for seed in range(48)]
assert all(r["overrides"] == records[0]["overrides"] and r["machine"] == records[0]["machine"] for r in records)
ends = [r["shares"][-1] for r in records]
above = sum(end > r["shares"][0] for end, r in zip(ends, records))
low, high = mean_interval(ends, resamples=args.resamples)
print(f"seeds 0-47, {' '.join(records[0]['overrides'])}: noisy share after the last update, mean "
      f"{sum(ends) / len(ends):.3f}, 95% bootstrap over seeds [{low:.3f}, {high:.3f}]; above its start on {above} of 48")

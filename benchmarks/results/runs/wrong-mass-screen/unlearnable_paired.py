"""The wrong-mass arm against the default on the unlearnable check, seeds 0-95 of this processor,
paired by seed: each seed's end share under the arm minus the default's (a report; RULE.md's steps
read the arm's shares alone). 95% bootstrap over seeds, 20000 resamples, bootstrap seed 0."""
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # benchmarks/
from unlearnable import mean_interval  # noqa: E402

here = Path(__file__).resolve().parent


def ends(folder: str) -> list[float]:
    records = [json.loads((here / folder / f"seed-{seed}.json").read_text()) for seed in range(96)]
    assert all(r["machine"] == records[0]["machine"] for r in records)
    return [r["shares"][-1] for r in records]


arm, default = ends("unlearnable"), ends("unlearnable-default")
differences = [a - d for a, d in zip(arm, default)]
low, high = mean_interval(differences, resamples=20000)
print(f"mean end share: wrong_mass {statistics.fmean(arm):.3f}, default {statistics.fmean(default):.3f}; "
      f"paired by seed, wrong_mass - default {statistics.fmean(differences):+.3f} "
      f"[{low:+.3f}, {high:+.3f}]; lower on {sum(x < 0 for x in differences)} of 96 seeds")

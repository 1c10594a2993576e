"""The wrong-mass arm against the default on the unlearnable check, seeds 0-95 of this processor,
paired by seed: each seed's end share under the arm minus the default's (a report; RULE.md's steps
read the arm's shares alone). 95% bootstrap over seeds, 20000 resamples, bootstrap seed 0."""
import json
import random
import statistics
from pathlib import Path

here = Path(__file__).resolve().parent


def ends(folder: str) -> list[float]:
    records = [json.loads((here / folder / f"seed-{seed}.json").read_text()) for seed in range(96)]
    assert all(r["machine"] == records[0]["machine"] for r in records)
    return [r["shares"][-1] for r in records]


arm, default = ends("unlearnable"), ends("unlearnable-default")
differences = [a - d for a, d in zip(arm, default)]
rng = random.Random(0)
means = sorted(statistics.fmean(rng.choices(differences, k=96)) for _ in range(20000))
print(f"mean end share: wrong_mass {statistics.fmean(arm):.3f}, default {statistics.fmean(default):.3f}; "
      f"paired by seed, wrong_mass - default {statistics.fmean(differences):+.3f} "
      f"[{means[500]:+.3f}, {means[19499]:+.3f}]; lower on {sum(x < 0 for x in differences)} of 96 seeds")

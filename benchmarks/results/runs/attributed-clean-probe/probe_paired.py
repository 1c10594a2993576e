"""The unlearnable check, seeds 0-15, with each dataset's probe carved from its data as it is and
carved from correct answers only (`--clean-probe`), for four arms: each seed's end share with the
clean probe minus with the probe as it is, paired by seed (a report; it chooses nothing). 95%
bootstrap over seeds, 20000 resamples, bootstrap seed 0 (`unlearnable.mean_interval`). wrong_mass's
shares with the probe as it is were run on the Intel Xeon of model 167, the rest on model 207; on
this check the two give the same shares digit for digit (the default's 16 seeds, wrong_mass's seeds
0-3, compared)."""
import json
import statistics
import sys
from pathlib import Path

runs = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(runs.parents[1]))  # benchmarks/
from unlearnable import mean_interval  # noqa: E402

ARMS = {  # arm: (folder of the probe as it is, folder of the clean probe), under benchmarks/results/runs/
    "default": ("caused-credit-screen/unlearnable-default", "attributed-clean-probe/unlearnable-default"),
    "wrong_mass": ("wrong-mass-screen/unlearnable", "wrong-mass-screen/unlearnable-clean-probe"),
    "attributed": ("attributed-clean-probe/unlearnable", "attributed-clean-probe/unlearnable"),
    "caused (throwaway patch)": ("caused-credit-screen/unlearnable-caused", "caused-credit-screen/unlearnable-caused"),
}


def ends(folder: str, clean: bool) -> list[float]:
    suffix = "-clean-probe" if clean else ""
    return [json.loads((runs / folder / f"seed-{seed}{suffix}.json").read_text())["shares"][-1] for seed in range(16)]


for arm, (as_is, clean) in ARMS.items():
    plain, carved = ends(as_is, False), ends(clean, True)
    differences = [c - p for c, p in zip(carved, plain)]
    low, high = mean_interval(differences, resamples=20000)
    print(f"{arm}: mean end share {statistics.fmean(plain):.3f} with the probe as it is ({sum(x > 0.5 for x in plain)} "
          f"of 16 above the start), {statistics.fmean(carved):.3f} with the clean probe ({sum(x > 0.5 for x in carved)} "
          f"of 16); clean - as it is {statistics.fmean(differences):+.3f} [{low:+.3f}, {high:+.3f}]")

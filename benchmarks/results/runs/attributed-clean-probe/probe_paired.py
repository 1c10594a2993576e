"""The unlearnable check, seeds 0-15, with each dataset's probe carved from its data as it is, and
carved from correct answers only (`--clean-probe`) as hbo carves, the same number from every level,
or drawn uniformly from them (`--clean-probe uniform`), for four arms: mean end shares, and each
seed's end share with a clean probe minus with the probe as it is, paired by seed (a report; it
chooses nothing). 95% bootstrap over seeds, 20000 resamples, bootstrap seed 0
(`unlearnable.mean_interval`). wrong_mass's shares with the probe as it is were run on the Intel Xeon
of model 167, the rest on model 207; on this check the two give the same shares digit for digit (the
default's 16 seeds and wrong_mass's seeds 0-3 compared)."""
import json
import statistics
import sys
from pathlib import Path

runs = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(runs.parents[1]))  # benchmarks/
from unlearnable import mean_interval  # noqa: E402

ARMS = {  # arm: folders (under benchmarks/results/runs/) of the probe as it is, per level, uniform
    "default": ("caused-credit-screen/unlearnable-default", "attributed-clean-probe/unlearnable-default",
                "uniform-clean-probe/default"),
    "wrong_mass": ("wrong-mass-screen/unlearnable", "wrong-mass-screen/unlearnable-clean-probe",
                   "uniform-clean-probe/wrong_mass"),
    "attributed": ("attributed-clean-probe/unlearnable", "attributed-clean-probe/unlearnable",
                   "uniform-clean-probe/attributed"),
    "caused (throwaway patch)": ("caused-credit-screen/unlearnable-caused", "caused-credit-screen/unlearnable-caused",
                                 None),
}
SUFFIXES = ("", "-clean-probe", "-clean-probe-uniform")


def ends(folder: str, suffix: str) -> list[float]:
    return [json.loads((runs / folder / f"seed-{seed}{suffix}.json").read_text())["shares"][-1] for seed in range(16)]


def summary(values: list[float]) -> str:
    return f"{statistics.fmean(values):.3f} ({sum(x > 0.5 for x in values)} of 16 above the start)"


for arm, folders in ARMS.items():
    plain = ends(folders[0], SUFFIXES[0])
    line = [f"{arm}: mean end share, the probe as it is {summary(plain)}"]
    for name, folder, suffix in zip(("clean per level", "clean uniform"), folders[1:], SUFFIXES[1:]):
        if folder is None:
            continue
        carved = ends(folder, suffix)
        differences = [c - p for c, p in zip(carved, plain)]
        low, high = mean_interval(differences, resamples=20000)
        line.append(f"{name} {summary(carved)}, minus as it is {statistics.fmean(differences):+.3f} "
                    f"[{low:+.3f}, {high:+.3f}]")
    print("; ".join(line))

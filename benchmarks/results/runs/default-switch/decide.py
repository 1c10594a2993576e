"""RULE.md's clauses for each candidate on record, computed from the stored run files; prints each
clause's figure, whether it holds, and the verdict. Run from the repository root:
python benchmarks/results/runs/default-switch/decide.py"""
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402
from hbo.outputs.comparison import paired_interval  # noqa: E402
from unlearnable import mean_interval  # noqa: E402

R = Path("benchmarks/results/runs")
MIXTURES = ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")
FRESH = list(range(18, 30))
CANDIDATES = {
    "wrong_mass": {"unlearnable": ("wrong-mass-screen/unlearnable", range(96)), "fresh": "wrong-mass-screen/fresh-{}",
                   "overhead": ("wrong-mass-screen/overhead/overhead.json", "wrong-mass")},
    "wrong_mass, probe 16": {"unlearnable": ("wrong-mass-probe16-screen/unlearnable", range(48)),
                             "fresh": "wrong-mass-probe16-screen/fresh-{}", "overhead": None},
}


def end_shares(folder: str, seeds, machine: dict) -> list[float]:
    records = [json.loads((R / folder / f"seed-{seed}.json").read_text()) for seed in seeds]
    assert all(r["machine"] == machine for r in records), f"{folder}: runs of another processor"
    return [r["shares"][-1] for r in records]


def point3(folder: str, seeds) -> tuple[bool, str]:
    machine = json.loads((R / folder / "seed-0.json").read_text())["machine"]
    mine, default = end_shares(folder, seeds, machine), end_shares("wrong-mass-screen/unlearnable-default", seeds, machine)
    differences = [a - b for a, b in zip(mine, default)]
    low, high = mean_interval(differences, resamples=20000)
    return high < 0, (f"seeds {seeds[0]}-{seeds[-1]}: end share {statistics.fmean(mine):.3f} against the default's "
                      f"{statistics.fmean(default):.3f}, paired {statistics.fmean(differences):+.3f} [{low:+.3f}, {high:+.3f}]")


def development(pattern: str) -> tuple[bool, str, float]:
    arms = {m: pair_runs.read_arms(str(R / pattern.format(m)), str(R / f"wrong-tokens-evidence-fresh/default-{m}"), FRESH)
            for m in MIXTURES}
    below = [m for m, (mine, theirs) in arms.items()
             if paired_interval([r["exact"] for r in mine], [r["exact"] for r in theirs], 95.0, 20000)[2] < 0]
    first, second = pair_runs.pool(list(arms.values()))
    delta, low, high = paired_interval(first, second, 95.0, 20000)
    text = (f"seeds 18-29, the four pooled {delta:+.2f} [{low:+.2f}, {high:+.2f}]; wholly below 0: "
            f"{', '.join(below) or 'none'}")
    return low >= -1.0 and not below, text, delta


def cost(spec) -> tuple[bool, str]:
    if spec is None:
        return False, "not measured"
    path, variant = spec
    figures = []
    for config in json.loads((R / path).read_text())["configs"]:
        v = config["variants"][variant]
        figures.append((config["config"], v["wall_vs_proportional"], v["estimated_vs_proportional"]))
    held = all(w <= 1.10 and e <= 1.10 for _, w, e in figures)
    return held, "; ".join(f"{c}: measured {w:.3f}x, estimated {e:.3f}x" for c, w, e in figures)


passing = {}
for name, spec in CANDIDATES.items():
    a, a_text = point3(*spec["unlearnable"])
    b, b_text, pooled = development(spec["fresh"])
    c, c_text = cost(spec["overhead"])
    print(f"{name}\n  (a) {'holds' if a else 'fails'}: {a_text}\n  (b) {'holds' if b else 'fails'}: {b_text}\n"
          f"  (c) {'holds' if c else 'fails'}: {c_text}")
    if a and b and c:
        passing[name] = pooled
print("verdict:", f"{max(passing, key=passing.get)} replaces the default" if passing else "the default stays")

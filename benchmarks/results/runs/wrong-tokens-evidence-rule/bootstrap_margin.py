"""The rule's pooled interval (four development mixtures, seeds 0-17) recomputed with other bootstrap
seeds and with 20000 resamples, to see how far its lower end is from the -1.0 margin. Run from the
repository root: python benchmarks/results/runs/wrong-tokens-evidence-rule/bootstrap_margin.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402
from hbo.outputs.comparison import paired_interval  # noqa: E402  (src is on the path once pair_runs is imported)

R = "benchmarks/results/runs"
S, D = f"{R}/wrong-tokens-evidence-screen", f"{R}/wrong-tokens-evidence-rule"


def default(m):
    return f"{R}/machine-constant-{m}-1000,{R}/machine-constant-{m}-611-1000,{R}/machine-constant-{m}-1217-1000"


PAIRS = [(f"{S}/dev,{D}/dev-4-11,{D}/dev-12-17", default("dev")), (f"{D}/dev-clean", default("dev-clean")),
         (f"{S}/dev-pretrained,{D}/dev-pretrained-4-17", default("dev-pretrained")),
         (f"{D}/dev-tiebreak", default("dev-tiebreak"))]
first, second = pair_runs.pool([pair_runs.read_arms(a, b, list(range(18))) for a, b in PAIRS])
for resamples, seeds in ((2000, range(10)), (20000, range(2))):
    for seed in seeds:
        delta, low, high = paired_interval(first, second, 95.0, resamples, seed)
        print(f"resamples {resamples}, bootstrap seed {seed}: {delta:+.3f} [{low:+.3f}, {high:+.3f}]")

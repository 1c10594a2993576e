"""The rule's pooled interval (four development mixtures, seeds 0-17) recomputed with other bootstrap
seeds and with 20000 resamples, to see how far its lower end is from the -1.0 margin. Run from the
repository root: python benchmarks/results/runs/wrong-tokens-evidence-rule/bootstrap_margin.py"""
import sys

sys.path.insert(0, "benchmarks")
sys.path.insert(0, "src")
import pair_runs  # noqa: E402
from hbo.outputs import comparison  # noqa: E402

R = "benchmarks/results/runs"
S, D = f"{R}/wrong-tokens-evidence-screen", f"{R}/wrong-tokens-evidence-rule"


def default(m):
    return f"{R}/machine-constant-{m}-1000,{R}/machine-constant-{m}-611-1000,{R}/machine-constant-{m}-1217-1000"


PAIRS = [(f"{S}/dev,{D}/dev-4-11,{D}/dev-12-17", default("dev")), (f"{D}/dev-clean", default("dev-clean")),
         (f"{S}/dev-pretrained,{D}/dev-pretrained-4-17", default("dev-pretrained")),
         (f"{D}/dev-tiebreak", default("dev-tiebreak"))]
ORIGINAL = comparison.paired_difference
for resamples, seeds in ((2000, range(10)), (20000, range(2))):
    for seed in seeds:
        pair_runs.paired_difference = lambda a, b, r=resamples, s=seed, **_: ORIGINAL(a, b, resamples=r, seed=s)
        pooled = pair_runs.compare(PAIRS, list(range(18)))["pooled"]
        low, high = pooled["ci95"]
        print(f"resamples {resamples}, bootstrap seed {seed}: {pooled['delta_macro']:+.3f} [{low:+.3f}, {high:+.3f}]")

"""Mean global share of each dataset over the second half of the runs (steps 550-1000, `dev` seeds
18-21): the two arms of this screen and the stored `attributed` and default runs of the same seeds.
Run from the repository root: python benchmarks/results/runs/attributed-less-noise-screen/shares.py"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # benchmarks/
from pair_runs import late_shares  # noqa: E402

R = "benchmarks/results/runs"
for arm, folder in (("A16", f"{R}/attributed-less-noise-screen/A16-dev"),
                    ("D16", f"{R}/attributed-less-noise-screen/D16-dev"),
                    ("attributed", f"{R}/attributed-second-look/candidate-dev"),
                    ("default", f"{R}/wrong-tokens-evidence-fresh/default-dev")):
    shares = late_shares(folder, [18, 19, 20, 21], 550)
    print(f"dev, {arm}: " + ", ".join(f"{k} {v:.2f}" for k, v in shares.items()))

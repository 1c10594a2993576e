"""Mean global share of each dataset over the second half of the fresh runs (steps 550-1000, seeds
18-29), `attributed` against the default, on `dev` and `dev-clean`. Run from the repository root:
python benchmarks/results/runs/attributed-second-look/shares.py"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # benchmarks/
from pair_runs import late_shares  # noqa: E402

R = "benchmarks/results/runs"
for m in ("dev", "dev-clean"):
    for arm, folder in (("attributed", f"{R}/attributed-second-look/candidate-{m}"),
                        ("default", f"{R}/wrong-tokens-evidence-fresh/default-{m}")):
        shares = late_shares(folder, list(range(18, 30)), 550)
        print(f"{m}, {arm}: " + ", ".join(f"{k} {v:.2f}" for k, v in shares.items()))

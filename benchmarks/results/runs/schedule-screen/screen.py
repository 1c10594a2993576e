"""The schedule screen's figures (RULE.md): hbo's default and proportional under linear decay against
the same under the constant schedule, on the development mixtures, pooled and per mixture.

    python benchmarks/results/runs/schedule-screen/screen.py [--mixtures dev dev-pretrained] [--seeds 0 1 2 3]

Each arm's folder per mixture is in ARMS; pair_runs.read_arms checks every pair ran on one machine
with one set of libraries and scored the same questions.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE.parent
sys.path.insert(0, str(HERE.parents[2]))

from pair_runs import pool, read_arms  # noqa: E402

from hbo.outputs.comparison import paired_interval  # noqa: E402

# arm -> mixture -> folder spec (pair_runs' DIR[:NAME])
ARMS = {
    "hbo_L": lambda m: f"{HERE}/linear-{m}",
    "prop_L": lambda m: f"{HERE}/linear-{m}:proportional",
    "hbo_C": lambda m: (f"{RUNS}/abs-progress-screen/default-{m}" if m in ("dev", "dev-pretrained")
                        else f"{HERE}/constant-{m}"),
    "prop_C": lambda m: (f"{RUNS}/deck-screen/plain-{m}:proportional" if m in ("dev", "dev-pretrained")
                         else f"{HERE}/constant-{m}:proportional"),
}
COMPARISONS = [("hbo_L", "prop_L"), ("hbo_C", "prop_C"), ("hbo_L", "hbo_C"), ("prop_L", "prop_C")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mixtures", nargs="+", default=["dev", "dev-pretrained"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    args = parser.parse_args(argv)
    for first, second in COMPARISONS:
        units = {m: read_arms(ARMS[first](m), ARMS[second](m), args.seeds) for m in args.mixtures}
        parts = []
        for m, (mine, theirs) in units.items():
            delta, low, high = paired_interval([r["exact"] for r in mine], [r["exact"] for r in theirs], 95.0, 10000)
            parts.append(f"{m} {delta:+.2f} [{low:+.2f}, {high:+.2f}]")
        a, b = pool(list(units.values()))
        delta, low, high = paired_interval(a, b, 95.0, 10000)
        print(f"{first} - {second}: pooled {delta:+.2f} [{low:+.2f}, {high:+.2f}]; " + "; ".join(parts))


if __name__ == "__main__":
    main()

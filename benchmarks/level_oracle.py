"""How much could a sampler gain by choosing difficulty levels? Fixed level weights, chosen with
knowledge no sampler has, against proportional sampling on the same seeds and questions.

    python benchmarks/level_oracle.py --mixture dev-pretrained --seeds 0 1 \\
        --name skip-noise --weights '{"add": [1, 1, 1, 0]}'

The oracle samples datasets in proportion to their size (as ``proportional``) and, inside the
datasets named in ``--weights``, levels with the given weights (the others uniformly over their
examples, as ``proportional``); nothing is updated while training. With the level that holds a
dataset's random answers weighted 0, it is the most that avoiding those answers can gain: an upper
bound for any reward that tries to, and a yardstick for the noise in one run. Runs are files under
``--out``/runs/oracle-<mixture>-<steps>/ (skipped when present), as in ``mixture.py``, the oracle's
named after ``--name`` and its weights. Not part of the library.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from mixture import HERE, paired

ORACLE = "level-oracle"


def register_oracle(weights: dict[int, list[float]]) -> None:
    """Add the oracle to hbo's strategy registry (in this process): hbo with neither actor updating,
    its global actor at the size prior (T=1) and local actors at ``weights`` (by dataset index)."""
    import numpy as np

    from hbo import strategies
    from hbo.strategies.hbo import HBOStrategy

    def build(levels, config, loss, alone):
        strategy = HBOStrategy(levels, config, loss, alone, update_global=False, update_local=False)
        for d, given in weights.items():
            w = np.asarray(given, dtype=float)
            if len(w) != len(strategy.local_actors[d]) or (w < 0).any() or w.sum() <= 0:
                raise ValueError(f"--weights: dataset {d} needs {len(strategy.local_actors[d])} weights >= 0, not all 0")
            strategy.local_actors[d].logits = np.log(np.maximum(w / w.sum(), 1e-12))
        return strategy

    strategies.STRATEGIES[ORACLE] = strategies.Registered(build)


def run_oracle(weights, *job):
    """``mixture.run_one(*job)`` in a worker process, whose registry needs the oracle too."""
    from mixture import run_one

    register_oracle(weights)
    return run_one(*job)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mixture", default="dev-pretrained", help="built-in mixture")
    parser.add_argument("--weights", required=True, help='level weights by dataset, JSON: {"add": [1, 1, 1, 0]}')
    parser.add_argument("--name", required=True, help="the oracle's name in the run files")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    from hbo.data.builtin import MIXTURES

    if args.mixture not in MIXTURES:
        parser.error(f"--mixture: one of {', '.join(MIXTURES)}")
    names = list(MIXTURES[args.mixture])
    given = json.loads(args.weights)
    unknown = sorted(set(given) - set(names))
    if unknown:
        parser.error(f"--weights: {args.mixture} has no dataset {', '.join(unknown)} (it has {', '.join(names)})")
    weights = {names.index(name): w for name, w in given.items()}
    runs = Path(args.out) / "runs" / f"oracle-{args.mixture}-{args.steps}"
    # the weights are in the oracle's file name: a rerun with other weights is another run
    oracle = f"{args.name}-" + hashlib.sha1(json.dumps(given, sort_keys=True).encode()).hexdigest()[:8]
    jobs = [(name, seed, args.steps, args.mixture, overrides, runs)
            for seed in args.seeds
            for name, overrides in ((oracle, [f"sampling.strategy={ORACLE}"]),
                                    ("proportional", ["sampling.strategy=proportional"]))]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(run_oracle, [weights] * len(jobs), *zip(*jobs)))
    by_name: dict[str, list[dict]] = {}
    for r in results:
        by_name.setdefault(r["name"], []).append(r)
    for name, rs in by_name.items():
        print(f"{name}: macro " + ", ".join(f"{r['macro']:.1f}" for r in rs) + " (seeds "
              + ", ".join(str(r["seed"]) for r in rs) + "); per dataset "
              + ", ".join(f"{d} {sum(r['per_dataset'][d] for r in rs) / len(rs):.1f}" for d in rs[0]["per_dataset"]))
    p = paired(by_name, against=oracle)["proportional"]
    print(f"{args.name} - proportional: {p['delta_macro']:+.1f} [{p['ci95'][0]:+.1f}, {p['ci95'][1]:+.1f}] macro points")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())

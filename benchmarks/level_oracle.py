"""How much could a sampler gain by choosing difficulty levels, or dataset shares, or their order? Weights
chosen with knowledge no sampler has, against proportional sampling on the same seeds and questions.

    python benchmarks/level_oracle.py --mixture dev-pretrained --seeds 0 1 \\
        --name skip-noise --weights '{"add": [1, 1, 1, 0]}'
    python benchmarks/level_oracle.py --mixture hard --name shares \\
        --shares '{"reverse-en": 4, "reverse-de": 1, ...}' training.lr_scheduler_type=linear
    python benchmarks/level_oracle.py --mixture hard --name clean --drop-noisy add-noisy
    python benchmarks/level_oracle.py --mixture hard --name anneal \\
        --phases '[[0, {"reverse-en": 1, ...}], [500, {"reverse-en": 4000, ...}]]'

The oracle samples datasets in proportion to their size (as ``proportional``), or to ``--shares``
(every dataset named), or to ``--phases`` (shares that change at the given steps: what an order of
the data over time can gain), and, inside the datasets named in ``--weights``, levels with the given
weights (the others uniformly over their examples, as ``proportional``); nothing is updated while
training. With the level that holds a
dataset's random answers weighted 0, it is the most that avoiding those answers can gain: an upper
bound for any reward that tries to, and a yardstick for the noise in one run. ``--drop-noisy`` goes
further than any level cut can: the named datasets keep their share, but their examples are drawn
from the ones whose answers were not replaced (the generator marks those it replaced), so it bounds
what *any* sampler, level-based or per example, could gain by avoiding the random answers. ``--carve-probe``
leaves out of training the development probe hbo's held-out rewards keep out, so that an oracle of hbo's
own shares can be read with and without what the probe costs. Runs are files under
``--out``/runs/oracle-<mixture>-<steps>/ (reused when its config digest matches, as in
``mixture.py``), the oracle's named after ``--name`` and a digest of its weights. Not part of the library.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from mixture import HERE, paired
from run_pool import run_pool

ORACLE = "level-oracle"


def noisy_rows(mixture: str, names: list[str], overrides: list[str]) -> dict[int, tuple[int, list[int]]]:
    """For each of ``names`` (by dataset index): its file's number of rows, and the rows whose answers
    the generator replaced."""
    from hbo.config import load_config
    from hbo.data.builtin import builtin_mixture

    heldout = load_config(None, [f"data.mixture={mixture}", *overrides]).data.mixture_heldout
    specs = builtin_mixture(mixture, heldout=heldout)
    rows = {}
    for d, spec in enumerate(specs):
        if spec.name in names:
            with open(spec.path) as f:
                records = [json.loads(line) for line in f]
            rows[d] = (len(records), [i for i, r in enumerate(records) if r.get("noisy")])
    return rows


def register_oracle(weights: dict[int, list[float]], shares: list[float] | None = None,
                    noisy: dict[int, tuple[int, list[int]]] | None = None,
                    phases: list[tuple[int, list[float]]] | None = None, carve_probe: bool = False) -> None:
    """Add the oracle to hbo's strategy registry (in this process): hbo with neither actor updating,
    its global actor at ``shares`` (by default the size prior, T=1) and local actors at ``weights``
    (by dataset index). A dataset in ``noisy`` (its file's row count, and the rows with random answers)
    gets two levels instead, the other rows and those, weighted 1 and 0. With ``phases`` ((first
    step, shares), by first step, the first at 0) the global actor follows them instead, switching at
    the update point that reaches a phase's first step. With ``carve_probe`` the examples hbo's held-out
    rewards keep out as their development probe (``sampling.probe_per_level`` per level, drawn as hbo
    draws them) are left out of training here too, and nothing is measured on them."""
    import numpy as np

    from hbo import strategies
    from hbo.core.levels import hold_out
    from hbo.strategies.hbo import HBOStrategy

    def logits(weights: list[float]):
        w = np.asarray(weights, dtype=float)
        return np.log(np.maximum(w / w.sum(), 1e-12))

    class PhasedOracle(HBOStrategy):
        """The oracle, its dataset shares set by the step instead of learnt."""

        @property
        def updates(self) -> bool:
            return True

        def update(self, probe, step: int) -> dict:
            self.global_actor.logits = logits([s for first, s in phases if first <= step][-1])
            return {}

    def build(levels, config, loss, alone):
        levels, level_weights = [list(map(list, ds)) for ds in levels], dict(weights)
        if carve_probe:
            levels, _ = hold_out(levels, config.probe_per_level, config.seed + 2)  # as HBOStrategy carves it (fresh lists)
        for d, (count, rows) in (noisy or {}).items():
            flat = sorted(i for level in levels[d] for i in level)
            if flat != list(range(flat[0], flat[0] + count)):
                raise ValueError(f"--drop-noisy: dataset {d}'s training examples are not its file's {count} rows in order")
            replaced = {flat[0] + r for r in rows}
            levels[d] = [[i for i in flat if i not in replaced], sorted(replaced)]
            level_weights[d] = [1.0, 0.0]
        kind = PhasedOracle if phases else HBOStrategy
        strategy = kind(levels, config, loss, alone, update_global=False, update_local=False)
        for d, given in level_weights.items():
            w = np.asarray(given, dtype=float)
            if len(w) != len(strategy.local_actors[d]) or (w < 0).any() or w.sum() <= 0:
                raise ValueError(f"--weights: dataset {d} needs {len(strategy.local_actors[d])} weights >= 0, not all 0")
            strategy.local_actors[d].logits = logits(given)
        if phases:
            strategy.global_actor.logits = logits(phases[0][1])
        elif shares is not None:
            strategy.global_actor.logits = logits(shares)
        return strategy

    strategies.STRATEGIES[ORACLE] = strategies.Registered(build)


def run_oracle(weights, shares, noisy, phases, carve_probe, *job):
    """``mixture.run_one(*job)`` in a worker process, whose registry needs the oracle too."""
    from mixture import run_one

    register_oracle(weights, shares, noisy, phases, carve_probe)
    return run_one(*job)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mixture", default="dev-pretrained", help="built-in mixture")
    parser.add_argument("--weights", default="{}", help='level weights by dataset, JSON: {"add": [1, 1, 1, 0]}')
    parser.add_argument("--shares", help='dataset weights, every dataset named, JSON: {"add": 2, "add-plus": 1, ...}')
    parser.add_argument("--phases", help='dataset weights over time, JSON, by first step: [[0, {"add": 2, ...}], '
                        '[500, {...}]]; every dataset named in each, weights >= 0 (not all 0); a phase starts at '
                        'the first actor update point (every sampling.update_interval steps) from its step')
    parser.add_argument("--drop-noisy", nargs="+", default=[], metavar="DATASET",
                        help="draw these datasets' examples only from those whose answers were not replaced")
    parser.add_argument("--carve-probe", action="store_true",
                        help="leave out of training the development probe hbo's held-out rewards carve (what the probe costs at these shares)")
    parser.add_argument("--without-proportional", action="store_true",
                        help="run the oracle alone, to be paired with proportional runs stored elsewhere")
    parser.add_argument("--name", required=True, help="the oracle's name in the run files")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--undigested-runs", action="store_true",
                        help="read run files written before they carried a config digest as they are (unchecked)")
    parser.add_argument("overrides", nargs="*", metavar="section.key=value", help="applied to every run")
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
    shares = None
    if args.shares:
        named = json.loads(args.shares)
        if sorted(named) != sorted(names) or any(not float(named[n]) > 0 for n in names):
            parser.error(f"--shares: a weight > 0 for each of {', '.join(names)}, got {named}")
        shares = [float(named[n]) for n in names]
    phases = None
    if args.phases:
        if shares is not None:
            parser.error("--phases replaces --shares: give one of them")
        phases = []
        for first, phase in json.loads(args.phases):
            if sorted(phase) != sorted(names) or any(float(phase[n]) < 0 for n in names) or not sum(phase.values()) > 0:
                parser.error(f"--phases: weights >= 0 (not all 0) for each of {', '.join(names)}, got {phase}")
            phases.append((int(first), [float(phase[n]) for n in names]))
        firsts = [first for first, _ in phases]
        if firsts[0] != 0 or firsts != sorted(set(firsts)):
            parser.error(f"--phases: first steps rising from 0, got {firsts}")
    unknown = sorted(set(args.drop_noisy) - set(names))
    if unknown:
        parser.error(f"--drop-noisy: {args.mixture} has no dataset {', '.join(unknown)} (it has {', '.join(names)})")
    both = sorted(set(args.drop_noisy) & set(given))
    if both:
        parser.error(f"--drop-noisy: {', '.join(both)} also has --weights; its levels are the real and the random answers")
    noisy = noisy_rows(args.mixture, args.drop_noisy, args.overrides) if args.drop_noisy else {}
    empty = [names[d] for d, (_, rows) in noisy.items() if not rows]
    if empty:
        parser.error(f"--drop-noisy: {', '.join(empty)} has no random answers to drop")
    if not given and shares is None and not noisy and not phases:
        parser.error("--weights, --shares, --phases or --drop-noisy: the oracle needs at least one")
    runs = Path(args.out) / "runs" / f"oracle-{args.mixture}-{args.steps}"
    # the weights, shares and overrides are in the oracle's file name: a rerun with others is another run
    if shares or args.overrides or args.drop_noisy or phases or args.carve_probe:
        oracle_key = {"weights": given, "shares": shares, "overrides": args.overrides}
        if args.drop_noisy:
            oracle_key["drop_noisy"] = sorted(args.drop_noisy)
        if phases:
            oracle_key["phases"] = phases
        if args.carve_probe:
            oracle_key["carve_probe"] = True
    else:
        oracle_key = given  # level weights alone: the name the committed runs have
    key = json.dumps(oracle_key, sort_keys=True)
    oracle = f"{args.name}-" + hashlib.sha1(key.encode()).hexdigest()[:8]
    arms = [(oracle, [f"sampling.strategy={ORACLE}"] + args.overrides)]
    if not args.without_proportional:
        arms.append(("proportional", ["sampling.strategy=proportional"] + args.overrides))
    jobs = [(name, seed, args.steps, args.mixture, overrides, runs, None, args.undigested_runs)
            for seed in args.seeds for name, overrides in arms]
    with run_pool(args.jobs) as pool:
        results = list(pool.map(run_oracle, *([x] * len(jobs) for x in (weights, shares, noisy, phases, args.carve_probe)),
                                *zip(*jobs)))
    by_name: dict[str, list[dict]] = {}
    for r in results:
        by_name.setdefault(r["name"], []).append(r)
    for name, rs in by_name.items():
        print(f"{name}: macro " + ", ".join(f"{r['macro']:.1f}" for r in rs) + " (seeds "
              + ", ".join(str(r["seed"]) for r in rs) + "); per dataset "
              + ", ".join(f"{d} {sum(r['per_dataset'][d] for r in rs) / len(rs):.1f}" for d in rs[0]["per_dataset"]))
    if args.without_proportional:
        return 0
    p = paired(by_name, against=oracle)["proportional"]
    print(f"{args.name} - proportional: {p['delta_macro']:+.1f} [{p['ci95'][0]:+.1f}, {p['ci95'][1]:+.1f}] macro points")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())

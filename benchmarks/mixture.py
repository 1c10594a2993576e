"""Every sampling strategy on the same mixture, base model, steps, batch size and seeds.

    python benchmarks/mixture.py            # the committed table: hard mixture, 300 steps, 3 seeds
    python benchmarks/mixture.py --quick    # smoke run of every strategy (CI), written to a temp folder

Writes ``mixture.json`` (shape below), ``mixture.md`` and ``mixture.png`` into ``--out``:
``{"commit", "mixture", "steps", "seeds", "strategies": {name: {"macro_accuracy": {"mean", "std"},
"worst_accuracy": {"mean", "std"}, "per_dataset": {dataset: mean}, "heldout_loss": {"mean", "std"},
"wall_s", "wall_vs_proportional"}}}``; accuracies are exact match on held-out examples, in percent.
Runs interleave strategies within each seed, so a machine that slows down slows every strategy alike.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tqdm.auto import tqdm

from hbo.config import load_config
from hbo.run import quiet_libraries, train
from hbo.strategies import STRATEGIES

HERE = Path(__file__).resolve().parent
FULL = {"steps": 300, "seeds": [0, 1, 2], "overrides": []}
# Quick: every strategy runs its update at least twice, on a handful of held-out examples.
QUICK = {"steps": 8, "seeds": [0], "overrides": ["sampling.update_interval=4", "data.heldout_max=8",
                                                  "eval.max_new_tokens=8", "sampling.global_samples_per_level=2",
                                                  "sampling.local_samples_per_level=2",
                                                  "sampling.multidds.samples_per_dataset=2",
                                                  "sampling.multidds.reference_per_dataset=2",
                                                  "sampling.mos.samples_per_dataset=2",
                                                  "sampling.odm.samples_per_dataset=2"]}


def commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=HERE, capture_output=True,
                               text=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_one(strategy: str, seed: int, steps: int, mixture: str, overrides: list[str], out: Path) -> dict:
    config = load_config(None, [f"data.mixture={mixture}", f"sampling.strategy={strategy}", f"sampling.seed={seed}",
                                f"training.seed={seed}", f"training.max_steps={steps}", "eval.before=false",
                                f"output_dir={out}", *overrides])
    with contextlib.redirect_stdout(io.StringIO()):
        results = train(config, progress=False)
    after = results["after"]
    datasets = {name: m["exact_match"] for name, m in after.items() if name != "macro"}
    return {"macro": after["macro"]["exact_match"], "worst": min(datasets.values()), "per_dataset": datasets,
            "loss": after["macro"]["loss"], "wall_s": results["timing"]["training_s"]}


def mean_std(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}


def summarise(runs: dict[str, list[dict]]) -> dict:
    summary = {}
    for name, rs in runs.items():
        summary[name] = {
            "macro_accuracy": mean_std([r["macro"] for r in rs]),
            "worst_accuracy": mean_std([r["worst"] for r in rs]),
            "per_dataset": {d: statistics.fmean(r["per_dataset"][d] for r in rs) for d in rs[0]["per_dataset"]},
            "heldout_loss": mean_std([r["loss"] for r in rs]),
            "wall_s": statistics.fmean(r["wall_s"] for r in rs),
        }
    base = summary["proportional"]["wall_s"] if "proportional" in summary else None
    for s in summary.values():
        s["wall_vs_proportional"] = s["wall_s"] / base if base else None
    return summary


def markdown(result: dict) -> str:
    strategies = result["strategies"]
    datasets = list(next(iter(strategies.values()))["per_dataset"])
    lines = [f"# Strategies on the `{result['mixture']}` mixture", "",
             f"Command: `{result['command']}`  ", f"Commit: `{result['commit']}`  ",
             f"Machine: {result['machine']}  ",
             f"Budget: {result['steps']} steps x batch {result['batch_size']} per run, seeds {result['seeds']}; "
             "exact match (%) on each dataset's held-out examples, mean over seeds (± std).", "",
             "| strategy | macro | worst | " + " | ".join(datasets) + " | held-out loss | train s | x proportional |",
             "| --- | --- | --- | " + " | ".join("---" for _ in datasets) + " | --- | --- | --- |"]
    for name, s in sorted(strategies.items(), key=lambda kv: -kv[1]["macro_accuracy"]["mean"]):
        ratio = s["wall_vs_proportional"]
        lines.append(f"| {name} | {s['macro_accuracy']['mean']:.1f} ± {s['macro_accuracy']['std']:.1f} | "
                     f"{s['worst_accuracy']['mean']:.1f} ± {s['worst_accuracy']['std']:.1f} | "
                     + " | ".join(f"{s['per_dataset'][d]:.1f}" for d in datasets)
                     + f" | {s['heldout_loss']['mean']:.4f} | {s['wall_s']:.1f} | "
                     + (f"{ratio:.2f}" if ratio else "-") + " |")
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = sorted(result["strategies"].items(), key=lambda kv: -kv[1]["macro_accuracy"]["mean"])
    names = [n for n, _ in items]
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(names)), 4))
    x = range(len(names))
    ax.bar([i - 0.2 for i in x], [s["macro_accuracy"]["mean"] for _, s in items], 0.4,
           yerr=[s["macro_accuracy"]["std"] for _, s in items], label="macro", capsize=3)
    ax.bar([i + 0.2 for i in x], [s["worst_accuracy"]["mean"] for _, s in items], 0.4,
           yerr=[s["worst_accuracy"]["std"] for _, s in items], label="worst dataset", capsize=3)
    ax.set_xticks(list(x), names, rotation=30, ha="right")
    ax.set_ylabel("held-out exact match (%)")
    ax.set_title(f"{result['mixture']} mixture, {result['steps']} steps, {len(result['seeds'])} seeds")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few steps of every strategy, one seed (smoke run)")
    parser.add_argument("--mixture", default="hard", help="built-in mixture (default: hard)")
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=list(STRATEGIES))
    parser.add_argument("--seeds", type=int, nargs="+", help="default: 0 1 2 (quick: 0)")
    parser.add_argument("--steps", type=int, help="training steps per run (default: 300; quick: 8)")
    parser.add_argument("--out", help="results folder (default: benchmarks/results; quick: a temp folder)")
    parser.add_argument("overrides", nargs="*", metavar="section.key=value", help="applied to every run")
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL
    steps, seeds = args.steps or mode["steps"], args.seeds or mode["seeds"]
    out = Path(args.out) if args.out else (Path(tempfile.mkdtemp(prefix="hbo-bench-")) if args.quick else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    quiet_libraries()

    started_at = commit()  # the code that runs, before anything can change it
    runs: dict[str, list[dict]] = {name: [] for name in args.strategies}
    with tempfile.TemporaryDirectory(prefix="hbo-bench-runs-") as work:
        jobs = [(seed, name) for seed in seeds for name in args.strategies]
        for seed, name in tqdm(jobs, desc="runs", unit="run"):
            run_dir = Path(work) / f"{name}-{seed}"
            runs[name].append(run_one(name, seed, steps, args.mixture, mode["overrides"] + args.overrides, run_dir))
            if seed == seeds[0] and not args.quick:  # keep one probability plot per strategy
                (run_dir / "probabilities.png").replace(out / f"mixture-{name}-probabilities.png")
    batch = load_config(None, mode["overrides"] + args.overrides).training.per_device_train_batch_size
    result = {"commit": started_at, "mixture": args.mixture, "steps": steps, "seeds": seeds, "batch_size": batch,
              "command": "python benchmarks/mixture.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": f"{platform.machine()}, {platform.system()}, torch threads "
                         f"{__import__('torch').get_num_threads()}, {platform.python_version()}",
              "strategies": summarise(runs), "runs": runs}
    (out / "mixture.json").write_text(json.dumps(result, indent=1))
    (out / "mixture.md").write_text(markdown(result))
    plot(result, out / "mixture.png")
    print(markdown(result))
    print(f"wrote {out}/mixture.json mixture.md mixture.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every sampling strategy on the same mixture, base model, steps, batch size and seeds, with paired
confidence intervals of hbo against each of them.

    python benchmarks/mixture.py --jobs 2            # hard and clean, 1000 steps, 3 seeds, 400 questions each
    python benchmarks/mixture.py --quick             # smoke run of every strategy (CI), written to a temp folder

Every run writes its own result file, ``runs/<mixture>-<steps>/<strategy>-<seed>.json`` under
``--out``, with the commit and a digest of its resolved config, and beside it the run's probability
log, ``<strategy>-<seed>-probabilities.jsonl`` (the run's ``probabilities.jsonl``). A run whose file
exists with the same digest is not run again, so a benchmark stopped halfway continues where it
stopped; a file of another config, of other library versions than those installed, or of another
machine stops the benchmark (delete it, or use another ``--out``), and one written before files
carried a digest is read only with ``--undigested-runs``. Then writes ``mixture.json``,
``mixture.md`` and ``mixture.png``:
``{"commit", "mixture", "steps", "seeds", "strategies": {name: {"macro_accuracy": {"mean", "std"},
"worst_accuracy": {"mean", "std"}, "per_dataset": {dataset: mean}, "heldout_loss": {"mean", "std"},
"wall_s", "wall_vs_proportional"}}, "paired": {name: {"delta_macro", "ci95"}}, "runs", "clean": {the
same for the clean mixture}}``. Accuracies are exact match on held-out examples, in percent; ``paired``
is hbo minus the strategy, in points, with a 95% bootstrap interval over seeds and questions.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tqdm.auto import tqdm

from run_files import config_digest, draws_plot, library_versions, machine, read_run, write_run
from run_pool import run_pool

HERE = Path(__file__).resolve().parent
# Every strategy the benchmark compares, by its name in the results: the strategy and its settings.
VARIANTS = {
    "hbo": [],
    "hbo-paper": ["preset=paper"],
    "hbo-global": ["sampling.strategy=hbo-global"],
    "hbo-local": ["sampling.strategy=hbo-local"],
    "proportional": ["sampling.strategy=proportional"],
    "temperature": ["sampling.strategy=temperature"],
    "uniform": ["sampling.strategy=uniform"],
    "multidds": ["sampling.strategy=multidds"],
    "multiuat": ["sampling.strategy=multiuat"],
    "mos": ["sampling.strategy=mos"],
    "mos-plus": ["sampling.strategy=mos-plus"],
    "odm": ["sampling.strategy=odm"],
}
# Full: 400 held-out questions per dataset, not the mixtures' usual 100 (the first 100 are the same
# questions, and training is unchanged): most of a run's spread is which questions it gets right, and
# four times the questions narrows the paired intervals about 2.5 times (docs/benchmark-log.md).
FULL = {"steps": 1000, "seeds": [0, 1, 2], "overrides": ["data.mixture_heldout=400", "data.heldout_max=400"]}
# Quick: every strategy runs its update at least twice, on a handful of held-out examples.
QUICK = {"steps": 8, "seeds": [0], "overrides": ["sampling.update_interval=4", "data.heldout_max=8",
                                                  "eval.max_new_tokens=8", "sampling.global_samples_per_level=2",
                                                  "sampling.local_samples_per_level=2",
                                                  "sampling.alignment_samples_per_level=1",
                                                  "sampling.multidds.samples_per_dataset=2",
                                                  "sampling.multidds.reference_per_dataset=2",
                                                  "sampling.mos.samples_per_dataset=2",
                                                  "sampling.multiuat.samples_per_dataset=2",
                                                  "sampling.odm.samples_per_dataset=2"]}


def commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=HERE, capture_output=True,
                               text=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_one(name: str, seed: int, steps: int, mixture: str, overrides: list[str], runs: Path,
            keep_plot: Path | None = None, undigested: bool = False) -> dict:
    """One run's result, read from ``runs/<name>-<seed>.json`` when a previous run wrote it with the
    same config (see ``run_files.read_run``; ``undigested`` reads files written before digests)."""
    from hbo.config import load_config

    path = runs / f"{name}-{seed}.json"
    config = load_config(None, [f"data.mixture={mixture}", f"sampling.seed={seed}", f"training.seed={seed}",
                                f"training.max_steps={steps}", "eval.before=false", *overrides])
    digest = config_digest(config)
    done = read_run(path, digest, undigested)
    if done is not None:
        return done
    import torch

    from hbo.model import quiet_libraries
    from hbo.recipe import train

    torch.set_num_threads(1)  # runs go side by side (--jobs); one thread each keeps them independent
    quiet_libraries()
    with tempfile.TemporaryDirectory(prefix="hbo-bench-run-") as work:
        config.output_dir = work
        with contextlib.redirect_stdout(io.StringIO()):
            results = train(config, progress=False)
        # every run's probability log (with hbo's scores behind each update) beside its result file
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(work) / "probabilities.jsonl", path.with_name(f"{name}-{seed}-probabilities.jsonl"))
        if keep_plot is not None:
            keep_plot.parent.mkdir(parents=True, exist_ok=True)
            (Path(work) / "probabilities.png").replace(keep_plot)
            (Path(work) / "probabilities.jsonl").replace(keep_plot.with_suffix(".jsonl"))
    after = results["after"]
    datasets = {d: m["exact_match"] for d, m in after.items() if d != "macro"}
    run = {"name": name, "seed": seed, "overrides": overrides, "commit": commit(), "digest": digest,
           "macro": after["macro"]["exact_match"], "worst": min(datasets.values()), "per_dataset": datasets,
           "loss": after["macro"]["loss"], "wall_s": results["timing"]["training_s"],
           "exact": {d: m["exact"] for d, m in after.items() if d != "macro"}, "versions": library_versions(),
           "machine": machine()}
    write_run(path, run)
    return run


def run_all(jobs: list[tuple], workers: int) -> list[dict]:
    """``run_one(*job)`` for every job, ``workers`` at a time, in order."""
    if workers <= 1:
        return [run_one(*job) for job in tqdm(jobs, desc="runs", unit="run")]
    with run_pool(workers) as pool:
        futures = [pool.submit(run_one, *job) for job in jobs]
        return [f.result() for f in tqdm(futures, desc="runs", unit="run")]


def mean_std(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}


def strategy_entry(rs: list[dict]) -> dict:
    """A strategy's entry of a summary: means (and spreads) over its runs, one per seed."""
    return {
        "macro_accuracy": mean_std([r["macro"] for r in rs]),
        "worst_accuracy": mean_std([r["worst"] for r in rs]),
        "per_dataset": {d: statistics.fmean(r["per_dataset"][d] for r in rs) for d in rs[0]["per_dataset"]},
        "heldout_loss": mean_std([r["loss"] for r in rs]),
        "wall_s": statistics.fmean(r["wall_s"] for r in rs),
    }


def summarise(runs: dict[str, list[dict]], entry=strategy_entry) -> dict:
    """Every strategy's entry (``entry`` of its runs), with its time relative to proportional's."""
    summary = {name: entry(rs) for name, rs in runs.items()}
    base = summary["proportional"]["wall_s"] if "proportional" in summary else None
    for s in summary.values():
        s["wall_vs_proportional"] = s["wall_s"] / base if base else None
    return summary


def paired(runs: dict[str, list[dict]], against: str = "hbo", key: str = "exact") -> dict:
    """hbo (``against``) minus every other strategy: macro points and the 95% bootstrap interval, from
    each run's per-question scores under ``key`` ({dataset: [0/1 per question]})."""
    from hbo.outputs.comparison import paired_difference

    if against not in runs:
        return {}
    mine = [r[key] for r in runs[against]]
    return {name: paired_difference(mine, [r[key] for r in rs]) for name, rs in runs.items() if name != against}


def benchmark(mixture: str, names: list[str], seeds: list[int], steps: int, overrides: list[str], out: Path,
              workers: int, plots: bool, undigested: bool = False) -> dict:
    runs_dir = out / "runs" / f"{mixture}-{steps}"
    def plot_of(name: str, seed: int) -> Path | None:
        path = out / f"{mixture}-{name}-probabilities.png"
        return path if plots and draws_plot(seed, seeds, path.exists()) else None

    jobs = [(name, seed, steps, mixture, VARIANTS[name] + overrides, runs_dir, plot_of(name, seed), undigested)
            for seed in seeds for name in names]
    results = run_all(jobs, workers)
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for r in results:
        runs[r["name"]].append(r)
    return {"mixture": mixture, "steps": steps, "seeds": seeds, "strategies": summarise(runs), "paired": paired(runs),
            "runs": {name: [{k: v for k, v in r.items() if k != "exact"} for r in rs] for name, rs in runs.items()}}


def markdown(result: dict) -> str:
    lines = ["# Strategies on the built-in mixtures", "",
             f"Command: `{result['command']}`  ", f"Commit: `{result['commit']}`  ",
             f"Machine: {result['machine']}  "]
    for part in (result, result.get("clean")):
        if part:
            lines += [""] + table(part, result["batch_size"])
    return "\n".join(lines) + "\n"


def table(result: dict, batch_size: int) -> list[str]:
    strategies, pairs = result["strategies"], result.get("paired", {})
    datasets = list(next(iter(strategies.values()))["per_dataset"])
    lines = [f"## `{result['mixture']}`", "",
             f"Budget: {result['steps']} steps x batch {batch_size} per run, seeds {result['seeds']}; exact match (%) on "
             "each dataset's held-out examples, mean over seeds (± std). hbo − strategy: paired difference in macro "
             "points with its 95% bootstrap interval over seeds and questions.", "",
             "| strategy | macro | hbo − strategy [95% CI] | worst | " + " | ".join(datasets)
             + " | held-out loss | train s | x proportional |",
             "| --- | --- | --- | --- | " + " | ".join("---" for _ in datasets) + " | --- | --- | --- |"]
    for name, s in sorted(strategies.items(), key=lambda kv: -kv[1]["macro_accuracy"]["mean"]):
        ratio, p = s["wall_vs_proportional"], pairs.get(name)
        delta = f"{p['delta_macro']:+.1f} [{p['ci95'][0]:+.1f}, {p['ci95'][1]:+.1f}]" if p else "-"
        lines.append(f"| {name} | {s['macro_accuracy']['mean']:.1f} ± {s['macro_accuracy']['std']:.1f} | {delta} | "
                     f"{s['worst_accuracy']['mean']:.1f} ± {s['worst_accuracy']['std']:.1f} | "
                     + " | ".join(f"{s['per_dataset'][d]:.1f}" for d in datasets)
                     + f" | {s['heldout_loss']['mean']:.4f} | {s['wall_s']:.1f} | "
                     + (f"{ratio:.2f}" if ratio else "-") + " |")
    return lines


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = [p for p in (result, result.get("clean")) if p]
    fig, axes = plt.subplots(1, len(parts), figsize=(max(6, 0.9 * len(result["strategies"])) * len(parts), 4),
                             squeeze=False)
    for ax, part in zip(axes[0], parts):
        items = sorted(part["strategies"].items(), key=lambda kv: -kv[1]["macro_accuracy"]["mean"])
        x = range(len(items))
        ax.bar([i - 0.2 for i in x], [s["macro_accuracy"]["mean"] for _, s in items], 0.4,
               yerr=[s["macro_accuracy"]["std"] for _, s in items], label="macro", capsize=3)
        ax.bar([i + 0.2 for i in x], [s["worst_accuracy"]["mean"] for _, s in items], 0.4,
               yerr=[s["worst_accuracy"]["std"] for _, s in items], label="worst dataset", capsize=3)
        ax.set_xticks(list(x), [n for n, _ in items], rotation=30, ha="right")
        ax.set_ylabel("held-out exact match (%)")
        ax.set_title(f"{part['mixture']} mixture, {part['steps']} steps, {len(part['seeds'])} seeds")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few steps of every strategy, one seed (smoke run)")
    parser.add_argument("--mixture", default="hard", help="built-in mixture (default: hard)")
    parser.add_argument("--clean-mixture", help="the clean mixture reported beside it (default: clean; quick: none)")
    parser.add_argument("--strategies", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--clean-strategies", nargs="+", choices=list(VARIANTS),
                        default=["hbo", "hbo-paper", "proportional", "temperature", "uniform"])
    parser.add_argument("--seeds", type=int, nargs="+", help="default: 0 1 2 (quick: 0)")
    parser.add_argument("--steps", type=int, help="training steps per run (default: 1000; quick: 8)")
    parser.add_argument("--jobs", type=int, default=1, help="runs side by side, one torch thread each")
    parser.add_argument("--out", help="results folder (default: benchmarks/results; quick: a temp folder)")
    parser.add_argument("--undigested-runs", action="store_true",
                        help="read run files written before they carried a config digest as they are (unchecked)")
    parser.add_argument("overrides", nargs="*", metavar="section.key=value", help="applied to every run")
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL
    steps, seeds = args.steps or mode["steps"], args.seeds or mode["seeds"]
    out = Path(args.out) if args.out else (Path(tempfile.mkdtemp(prefix="hbo-bench-")) if args.quick else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    overrides = mode["overrides"] + args.overrides

    started_at = commit()  # the code that runs, before anything can change it
    result = benchmark(args.mixture, args.strategies, seeds, steps, overrides, out, args.jobs, plots=not args.quick,
                       undigested=args.undigested_runs)
    clean = args.clean_mixture if args.clean_mixture is not None else ("" if args.quick else "clean")
    if clean:
        result["clean"] = benchmark(clean, args.clean_strategies, seeds, steps, overrides, out, args.jobs,
                                    plots=not args.quick, undigested=args.undigested_runs)
        result["clean"]["commit"] = started_at
    from hbo.config import load_config

    import torch

    here = machine()
    result.update({"commit": started_at, "batch_size": load_config(None, overrides).training.per_device_train_batch_size,
                   "command": "python benchmarks/mixture.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                   "machine": f"{platform.machine()}, {platform.system()}, {here['cpu']} (torch kernels "
                              f"{here['kernels']}), {os.cpu_count()} cores, torch threads 1 "
                              f"per run, {args.jobs} runs at a time, torch {torch.__version__}, "
                              f"{platform.python_version()}"})
    (out / "mixture.json").write_text(json.dumps(result, indent=1))
    (out / "mixture.md").write_text(markdown(result))
    plot(result, out / "mixture.png")
    print(markdown(result))
    print(f"wrote {out}/mixture.json mixture.md mixture.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

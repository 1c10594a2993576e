"""hbo against static and learned mixing on the paper's two setups, with the real SmolLM2-135M-Instruct.

    hbo model prepare smollm2 --out models/smollm2
    hbo data prepare multilingual --out data/multilingual
    hbo data prepare multitask --out data/multitask
    python benchmarks/smollm2.py --cpu              # the committed run: CPU mode (examples/cpu.yaml)
    python benchmarks/smollm2.py                    # the recipes as they are (a GPU)

Every strategy of a setup gets the same model, data, steps, batch and seed; the base-model scores are
computed once per setup and cached. Writes ``smollm2.json`` (a list with one object per setup, each
shaped like ``mixture.json``, plus ``setup``, ``base`` (the model before fine-tuning) and ``device``),
``smollm2.md`` and one probability plot per setup and strategy into ``--out``. Accuracy is per
:mod:`hbo.evaluate`: log-likelihood of each option for multiple-choice questions, exact or numeric
match otherwise, in percent. ``--jobs 2`` runs the two setups side by side, one torch thread each.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mixture import commit, paired, summarise

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SETUPS = ("multilingual", "multitask")
STRATEGIES = ("hbo", "proportional", "uniform", "mos")


def device() -> str:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"CPU ({platform.machine()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()})"


def run_one(setup: str, strategy: str, seed: int, cpu: bool, before: bool, overrides: list[str], out: Path):
    """(the run's accuracies, losses and times; its resolved config)"""
    from hbo.config import load_config
    from hbo.recipe import train

    files = [ROOT / "examples" / f"smollm2-{setup}.yaml"] + ([ROOT / "examples" / "cpu.yaml"] if cpu else [])
    from hbo.strategies import STRATEGIES

    # the recipes read rewards off the training steps; a strategy that cannot (e.g. mos) measures offline
    learned_offline = [] if STRATEGIES[strategy].online_rewards else ["sampling.reward_source=offline"]
    config = load_config(files, [f"sampling.strategy={strategy}", *learned_offline, f"sampling.seed={seed}", f"training.seed={seed}",
                                 f"eval.before={str(before).lower()}", f"output_dir={out}", *overrides])
    with contextlib.redirect_stdout(io.StringIO()):
        results = train(config, progress=False)
    after = results["after"]
    datasets = {name: m["accuracy"] for name, m in after.items() if name != "macro"}
    run = {"macro": after["macro"]["accuracy"], "worst": min(datasets.values()), "per_dataset": datasets,
           "loss": after["macro"]["loss"], "wall_s": results["timing"]["training_s"],
           "total_s": results["timing"]["total_s"],
           "correct": {name: m["correct"] for name, m in after.items() if name != "macro"}}
    if before:
        run["base"] = {name: m["accuracy"] for name, m in results["before"].items()}
    return run, config


def run_setup(setup: str, args, out: Path) -> dict:
    started = time.time()
    runs, base, config = {name: [] for name in args.strategies}, None, None
    with tempfile.TemporaryDirectory(prefix=f"hbo-smollm2-{setup}-") as work:
        for seed in args.seeds:
            for strategy in args.strategies:
                run_dir = Path(work) / f"{strategy}-{seed}"
                print(f"{setup}: {strategy}, seed {seed}", flush=True)
                run, config = run_one(setup, strategy, seed, args.cpu, base is None, args.overrides, run_dir)
                base = base or run.pop("base")
                runs[strategy].append(run)
                print(f"{setup}: {strategy}, seed {seed}: macro accuracy {run['macro']:.1f} "
                      f"({run['total_s']:.0f} s)", flush=True)
                if seed == args.seeds[0]:
                    (run_dir / "probabilities.png").replace(out / f"smollm2-{setup}-{strategy}-probabilities.png")
    t = config.training
    return {"setup": setup, "commit": args.commit, "mixture": f"smollm2-{setup}", "steps": t.max_steps,
            "seeds": args.seeds, "batch_size": t.per_device_train_batch_size * t.gradient_accumulation_steps,
            "command": args.command, "device": device(), "machine": f"{platform.machine()}, {platform.system()}, "
            f"Python {platform.python_version()}", "cpu_mode": args.cpu, "wall_s": time.time() - started,
            "base": {"macro_accuracy": base.pop("macro"), "per_dataset": base},
            "strategies": summarise(runs), "paired": paired(runs, key="correct"),
            "runs": {name: [{k: v for k, v in r.items() if k != "correct"} for r in rs] for name, rs in runs.items()}}


def markdown(results: list[dict]) -> str:
    first = results[0]
    lines = ["# SmolLM2-135M-Instruct on the multilingual and multitask setups", "",
             f"Command: `{first['command']}`  ", f"Commit: `{first['commit']}`  ", f"Device: {first['device']}  ",
             f"Budget per run: {first['steps']} steps x batch {first['batch_size']}, seeds {first['seeds']}"
             + (", CPU mode (`examples/cpu.yaml`)" if first["cpu_mode"] else "") + ". Accuracy (%) on each "
             "dataset's held-out examples: log-likelihood of each option for multiple choice, exact or numeric "
             "match otherwise.", ""]
    for result in results:
        strategies = result["strategies"]
        datasets = list(result["base"]["per_dataset"])
        lines += [f"## {result['setup']}", "",
                  "| strategy | macro | worst | " + " | ".join(datasets) + " | held-out loss | train s |",
                  "| --- | --- | --- | " + " | ".join("---" for _ in datasets) + " | --- | --- |",
                  f"| base model | {result['base']['macro_accuracy']:.1f} | "
                  f"{min(result['base']['per_dataset'].values()):.1f} | "
                  + " | ".join(f"{result['base']['per_dataset'][d]:.1f}" for d in datasets) + " | - | - |"]
        for name, s in sorted(strategies.items(), key=lambda kv: -kv[1]["macro_accuracy"]["mean"]):
            spread = lambda m: f"{m['mean']:.1f}" + (f" ± {m['std']:.1f}" if len(result["seeds"]) > 1 else "")  # noqa: E731
            lines.append(f"| {name} | {spread(s['macro_accuracy'])} | {spread(s['worst_accuracy'])} | "
                         + " | ".join(f"{s['per_dataset'][d]:.1f}" for d in datasets)
                         + f" | {s['heldout_loss']['mean']:.4f} | {s['wall_s']:.0f} |")
        pairs = result.get("paired", {})
        if pairs:
            lines += ["", "hbo − strategy, paired macro difference (points) with its 95% bootstrap interval over seeds "
                      "and questions: " + "; ".join(f"{name} {p['delta_macro']:+.1f} [{p['ci95'][0]:+.1f}, "
                                                   f"{p['ci95'][1]:+.1f}]" for name, p in pairs.items())]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cpu", action="store_true", help="CPU mode: the recipes with examples/cpu.yaml")
    parser.add_argument("--setups", nargs="+", default=list(SETUPS), choices=SETUPS)
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--jobs", type=int, default=1, help="setups run side by side (one torch thread each when > 1)")
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder")
    parser.add_argument("--part", help=argparse.SUPPRESS)  # internal: one setup's JSON, for --jobs
    parser.add_argument("--commit", help=argparse.SUPPRESS)
    parser.add_argument("--command", help=argparse.SUPPRESS)
    parser.add_argument("overrides", nargs="*", metavar="section.key=value", help="applied to every run")
    args = parser.parse_args(argv)
    argv = argv if argv is not None else sys.argv[1:]
    args.commit = args.commit or commit()  # the code that runs, before anything can change it
    args.command = args.command or "python benchmarks/smollm2.py " + " ".join(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from hbo.model import quiet_libraries

    quiet_libraries()
    if args.part:
        Path(args.part).write_text(json.dumps(run_setup(args.setups[0], args, out)))
        return 0
    if args.jobs > 1:
        results = parallel(args, out)
    else:
        results = [run_setup(setup, args, out) for setup in args.setups]
    (out / "smollm2.json").write_text(json.dumps(results, indent=1))
    (out / "smollm2.md").write_text(markdown(results))
    print(markdown(results))
    print(f"wrote {out}/smollm2.json smollm2.md")
    return 0


def parallel(args, out: Path) -> list[dict]:
    """Each setup in its own process, ``cores / jobs`` torch threads each, at most ``jobs`` at once."""
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    with tempfile.TemporaryDirectory(prefix="hbo-smollm2-parts-") as parts:
        pending, running, paths = list(args.setups), [], {}
        while pending or running:
            while pending and len(running) < args.jobs:
                setup = pending.pop(0)
                paths[setup] = Path(parts) / f"{setup}.json"
                command = [sys.executable, str(Path(__file__).resolve()), *args.overrides, "--setups", setup,
                           "--part", str(paths[setup]), "--commit", args.commit, "--command", args.command,
                           "--out", str(out), "--strategies", *args.strategies, "--seeds", *map(str, args.seeds),
                           *(["--cpu"] if args.cpu else [])]
                running.append((setup, subprocess.Popen(command, env=env)))
            time.sleep(5)
            for setup, process in list(running):
                if process.poll() is not None:
                    running.remove((setup, process))
                    if process.returncode != 0:
                        raise SystemExit(f"{setup}: the run failed (exit {process.returncode})")
        return [json.loads(paths[setup].read_text()) for setup in args.setups]


if __name__ == "__main__":
    sys.exit(main())

"""hbo against static and learned mixing on the paper's two setups, with the real SmolLM2-135M-Instruct.

    hbo model prepare smollm2 --out models/smollm2
    hbo data prepare multilingual --out data/cloze/multilingual --answers text
    hbo data prepare multitask --out data/cloze/multitask --answers text
    python benchmarks/smollm2.py --data data/cloze --jobs 2        # the CPU grid (+ examples/cpu.yaml, CPU_SETUP)
    python benchmarks/smollm2.py --data data/cloze --dev --jobs 2  # the same on a development split of training
    python benchmarks/smollm2.py --data data/cloze --gpu --jobs 4  # the recipes as they are (bf16) on a GPU
    python benchmarks/smollm2.py --quick                           # a few steps and questions, one seed (a test)

Every (setup, strategy, seed) run writes its own file under ``--out``/runs/smollm2-<mode>/ with the
commit and a digest of its resolved config; a rerun skips the runs whose file exists and refuses to
mix in a file whose config differs from what would run now (delete it, or use another ``--out``).
``--stop-after S`` starts no new run after S seconds, so a grid of several hours is run in pieces.
The summary (``smollm2.json``: one object per setup, shaped like ``mixture.json`` with ``paired``,
plus ``base`` (shaped like a strategy's entry), ``constant_letter``, ``paired_content``,
``paired_calibrated``, ``over_base`` and ``over_constant_letter`` (every strategy's paired gain over the
base model and over the best constant letter) and the time per run; ``smollm2.md``) is rebuilt
each time from every run file of the mode, not only the invocation's: continuing a grid one strategy
or one seed at a time leaves the whole grid's summary, and each file is checked against the config
that would run now before any run starts. ``--dev`` evaluates on a seeded share of every training
set instead of the held-out questions (the runs then train on the rest): recipes are chosen there,
never on the reported questions. Accuracy is per :mod:`hbo.evaluate`: the log-likelihood of each
option for multiple choice, exact or numeric match otherwise; ``content`` (by text) scores the options by
their text and ``calibrated`` by letter with the model's letter prior divided out.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mixture import commit, mean_std, paired, strategy_entry, summarise
from run_files import config_digest, draws_plot, library_versions, machine, read_run, write_run
from run_pool import run_pool

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SETUPS = ("multilingual", "multitask")
# name -> overrides; hbo is hbo's default, hbo-paper the paper as published
STRATEGIES = {
    "hbo": [],
    "hbo-paper": ["preset=paper"],
    "proportional": ["sampling.strategy=proportional"],
    "temperature": ["sampling.strategy=temperature"],
    "uniform": ["sampling.strategy=uniform"],
    "mos": ["sampling.strategy=mos"],
    "mos-plus": ["sampling.strategy=mos-plus"],
}
# A smoke run of the whole grid: every strategy updates twice, a handful of questions per dataset.
QUICK = ["training.max_steps=4", "training.per_device_train_batch_size=2", "sampling.update_interval=2",
         "data.heldout_max=4", "eval.max_new_tokens=8", "training.warmup_steps=0"]
# CPU mode per setup, after examples/cpu.yaml: chosen on the development split (docs/public-data.md), where
# multitask at 60 steps stayed below always answering one position and at 120 cleared it
CPU_SETUP = {"multilingual": [], "multitask": ["training.max_steps=120"]}
DEV_SHARE = 0.2  # --dev: the share of every training set kept out as its development questions


def device() -> str:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"CPU ({platform.machine()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()})"


def mode_of(args) -> str:
    return ("quick" if args.quick else "gpu" if args.gpu else "cpu") + ("-dev" if args.dev else "")


def build_config(setup: str, strategy: str | None, seed: int, args, out: Path):
    """The resolved config of one run (``strategy`` None: the base model's evaluation)."""
    from hbo.config import load_config
    from hbo.strategies import STRATEGIES as KINDS

    files = [ROOT / "examples" / f"smollm2-{setup}.yaml"] + ([] if args.gpu else [ROOT / "examples" / "cpu.yaml"])
    per_setup = [] if args.gpu else CPU_SETUP[setup]
    chosen = STRATEGIES[strategy] if strategy else []
    kind = next((o.split("=", 1)[1] for o in chosen if o.startswith("sampling.strategy=")), "hbo")
    # the recipes read rewards off the training steps; a strategy that cannot (e.g. mos) measures offline
    offline = [] if KINDS[kind].online_rewards else ["sampling.reward_source=offline"]
    config = load_config(files, [*chosen, *offline, f"sampling.seed={seed}", f"training.seed={seed}",
                                 "eval.before=false", f"output_dir={out}", *per_setup, *(QUICK if args.quick else []),
                                 *args.overrides])
    if args.data != "data":  # the same datasets as `hbo data prepare` wrote them into another folder
        for dataset in config.data.datasets:
            dataset.path = f"{args.data}/{setup}/{dataset.name}/train.jsonl"
            dataset.heldout_path = f"{args.data}/{setup}/{dataset.name}/heldout.jsonl"
    if args.dev:  # development questions: a seeded share of each training set, never the held-out files
        for dataset in config.data.datasets:
            dataset.heldout_path = None
        config.data.heldout_fraction = DEV_SHARE
    return config


def run_file(runs: Path, setup: str, strategy: str | None, seed: int) -> Path:
    return runs / setup / ("base.json" if strategy is None else f"{strategy}-{seed}.json")


def scores_of(results: dict) -> dict:
    """A run's figures from ``evaluate_mixture``'s results."""
    datasets = [name for name in results if name != "macro"]
    accuracy = {d: results[d]["accuracy"] for d in datasets}
    return {"macro": results["macro"]["accuracy"], "worst": min(accuracy.values()), "per_dataset": accuracy,
            "content_macro": results["macro"]["content_accuracy"],
            "content_per_dataset": {d: results[d]["content_accuracy"] for d in datasets},
            "loss": results["macro"]["loss"], "constant_letter": results["macro"]["constant_letter"],
            "chosen": {d: results[d]["chosen"] for d in datasets},
            "questions": {d: results[d]["examples"] for d in datasets},
            "choice_questions": {d: results[d]["choice_examples"] for d in datasets},
            "answers": {d: results[d]["answers"] for d in datasets},
            "correct": {d: results[d]["correct"] for d in datasets},
            "content_correct": {d: results[d]["content_correct"] for d in datasets},
            "calibrated_macro": results["macro"]["calibrated_accuracy"],
            "calibrated_per_dataset": {d: results[d]["calibrated_accuracy"] for d in datasets},
            "calibrated_correct": {d: results[d]["calibrated_correct"] for d in datasets}}


def run_one(setup: str, strategy: str | None, seed: int, args, runs: Path) -> dict:
    """One run's record, read from its file when a previous run wrote it with the same config."""
    import torch

    path = run_file(runs, setup, strategy, seed)
    with tempfile.TemporaryDirectory(prefix=f"hbo-smollm2-{setup}-") as work:
        config = build_config(setup, strategy, seed, args, Path(work))
        wanted = config_digest(config, base=strategy is None)
        done = read_run(path, wanted)
        if done is not None:
            return done
        if args.jobs > 1:
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // args.jobs))
        from hbo.model import quiet_libraries

        quiet_libraries()
        started = time.time()
        with contextlib.redirect_stdout(io.StringIO()):
            if strategy is None:
                results, timing = evaluate_base(config), {}
            else:
                from hbo.recipe import train

                trained = train(config, progress=False)
                results, timing = trained["after"], trained["timing"]
                plot = args.out / f"smollm2-{setup}-{strategy}-probabilities.png"
                if args.plots and draws_plot(seed, args.seeds, plot.exists()):
                    (Path(work) / "probabilities.png").replace(plot)
    record = {"setup": setup, "strategy": strategy or "base", "seed": seed, "mode": mode_of(args), "commit": args.commit,
              "digest": wanted, "device": device(), **scores_of(results), "wall_s": timing.get("training_s", 0.0),
              "total_s": time.time() - started, "versions": library_versions(),
              "machine": machine()}
    write_run(path, record)
    print(f"{setup}: {record['strategy']}, seed {seed}: macro accuracy {record['macro']:.1f} "
          f"({record['total_s']:.0f} s)", flush=True)
    return record


def evaluate_base(config) -> dict:
    """The model before fine-tuning, on the same questions as every run."""
    from hbo.data.mixture import encode_mixture, read_mixture
    from hbo.evaluate import evaluate_mixture
    from hbo.model import load_model

    model, tokenizer = load_model(config.model, seed=config.training.seed)
    mixture = encode_mixture(read_mixture(config.data), config.data, tokenizer)
    return evaluate_mixture(model, tokenizer, mixture, config.eval.max_new_tokens, config.eval.batch_size, False,
                            config.eval.generate_choices)


def run_grid(args, runs: Path) -> None:
    """Every missing run, ``--jobs`` at a time: each setup's base evaluation and hbo first (hbo
    computes the setup's base-model scores, which later strategies read from the cache)."""
    order = ["hbo"] + [s for s in args.strategies if s != "hbo"]
    jobs = [(setup, None, args.seeds[0]) for setup in args.setups]
    jobs += [(setup, s, seed) for seed in args.seeds for s in order if s in args.strategies for setup in args.setups]
    started = time.time()
    if args.jobs <= 1:
        for job in jobs:
            if time.time() - started > args.stop_after:
                print(f"--stop-after {args.stop_after:.0f}: no new run started", flush=True)
                return
            run_one(*job, args, runs)
        return
    with run_pool(args.jobs) as pool:
        pending, running = list(jobs), []
        while pending or running:
            while pending and len(running) < args.jobs and time.time() - started <= args.stop_after:
                running.append(pool.submit(run_one, *pending.pop(0), args, runs))
            if pending and time.time() - started > args.stop_after and not running:
                print(f"--stop-after {args.stop_after:.0f}: {len(pending)} runs not started", flush=True)
                return
            done = next((f for f in running if f.done()), None)
            if done is None:
                time.sleep(1)
                continue
            running.remove(done)
            done.result()  # a failed run stops the grid


def grid_on_disk(args, runs: Path) -> argparse.Namespace:
    """``args`` widened to the grid the summary covers: every strategy (the summary's command names
    none, so one not run yet is listed as missing), the invocation's setups and seeds and every one that
    already has a run file, each file checked (``read_run``) against the config that would run now, so
    that a piece of a grid (one strategy, one seed) leaves the whole grid's summary and a file of other
    settings stops the benchmark before anything runs."""
    setups, seeds = set(args.setups), set(args.seeds)
    for setup in SETUPS:
        for path in sorted((runs / setup).glob("*.json")):
            strategy, seed = None, args.seeds[0]  # base.json: run_grid evaluates the base model at the first seed
            if path.name != "base.json":
                strategy, _, number = path.stem.rpartition("-")
                if strategy not in STRATEGIES or not number.isdigit():
                    raise SystemExit(f"{path}: not a run file of this benchmark (<strategy>-<seed>.json or "
                                     "base.json); move it out of the runs folder")
                seed = int(number)
                seeds.add(seed)
            read_run(path, config_digest(build_config(setup, strategy, seed, args, args.out), base=strategy is None))
            setups.add(setup)
    return argparse.Namespace(**{**vars(args), "setups": [s for s in SETUPS if s in setups],
                                 "strategies": list(STRATEGIES), "seeds": sorted(seeds)})


def entry(rs: list[dict]) -> dict:
    """A strategy's entry of the summary, from its runs' files: mixture.py's, plus the scores by text and
    calibrated, the seeds and the letters chosen (the base model's one file makes an entry of the same shape)."""
    return {
        **strategy_entry(rs), "content_accuracy": mean_std([r["content_macro"] for r in rs]),
        # run files written before letters were also scored calibrated have none
        "calibrated_accuracy": (mean_std([r["calibrated_macro"] for r in rs])
                                if all(r.get("calibrated_macro") is not None for r in rs) else None),
        "total_s": statistics.fmean(r["total_s"] for r in rs), "seeds": [r["seed"] for r in rs],
        "chosen": {letter: sum(c.get(letter, 0) for r in rs for c in r["chosen"].values())
                   for letter in sorted({x for r in rs for c in r["chosen"].values() for x in c})}}


def above_baselines(base: dict, found: dict[str, list[dict]]) -> dict:
    """``over_base`` and ``over_constant_letter``: each strategy's paired macro difference (points) over
    the base model and over always answering the best constant letter, with its 95% bootstrap interval
    over the strategy's seeds and the questions, both baselines answering the same on every seed. The
    issue behind this benchmark counts a gain only above both. The constant letter's answers come from
    the base run's right-option positions (a base file written before they were recorded has none: then
    only ``over_base``); its macro must equal the evaluation's own ``constant_letter``."""
    from hbo.evaluate import constant_letter_correct
    from hbo.outputs.comparison import macro_accuracy, paired_difference

    def over(baseline: dict, runs: dict[str, list[dict]]) -> dict:
        return {name: {**paired_difference([r["correct"] for r in rs], [baseline] * len(rs)),
                       "seeds": [r["seed"] for r in rs]} for name, rs in runs.items()}

    result = {"over_base": over(base["correct"], found)}
    if base.get("answers") and base["constant_letter"]:
        letter = base["constant_letter"]["letter"]
        constant = {d: constant_letter_correct(answers, letter) for d, answers in base["answers"].items()}
        if abs(macro_accuracy(constant) - base["constant_letter"]["accuracy"]) > 1e-9:
            raise SystemExit(f"always {letter!r} scores {macro_accuracy(constant):.3f} from the base run's answers "
                             f"but {base['constant_letter']['accuracy']:.3f} in its evaluation")
        result["over_constant_letter"] = over(constant, {"base": [base], **found})
    return result


def summarise_setup(setup: str, args, runs: Path) -> dict | None:
    """The setup's summary, from its run files (a strategy's seeds that have no file yet are left out;
    hbo and another strategy are paired on the seeds both have)."""
    base_path = run_file(runs, setup, None, args.seeds[0])
    if not base_path.is_file():
        return None
    base = json.loads(base_path.read_text())
    sample = build_config(setup, "proportional", args.seeds[0], args, args.out)
    found = {name: [json.loads(p.read_text()) for seed in args.seeds
                    if (p := run_file(runs, setup, name, seed)).is_file()] for name in args.strategies}
    found = {name: rs for name, rs in found.items() if rs}
    digests = {r["digest"] for rs in found.values() for r in rs}
    strategies = summarise(found, entry)

    def paired_on_common_seeds(key: str) -> dict:
        mine = {r["seed"]: r for r in found.get("hbo", [])}
        pairs = {}
        for name, rs in found.items():
            common = [r for r in rs if r["seed"] in mine and key in r and key in mine[r["seed"]]]
            if name != "hbo" and common:  # a strategy run on no seed hbo ran has no pair yet
                pair = paired({"hbo": [mine[r["seed"]] for r in common], name: common}, key=key)[name]
                pairs[name] = {**pair, "seeds": [r["seed"] for r in common]}
        return pairs

    record_times = [r["total_s"] for rs in found.values() for r in rs]
    return {
        "setup": setup, "mixture": f"smollm2-{setup}", "mode": mode_of(args), "commit": args.commit,
        "run_commits": sorted({r["commit"] for rs in found.values() for r in rs}), "config_digests": sorted(digests),
        "steps": sample.training.max_steps, "seeds": args.seeds, "command": args.command,
        "batch_size": sample.training.per_device_train_batch_size * sample.training.gradient_accumulation_steps,
        "device": base["device"], "questions": base["questions"], "choice_questions": base["choice_questions"],
        "base": entry([base]),
        "constant_letter": base["constant_letter"]["accuracy"] if base["constant_letter"] else 0.0,
        "constant_letter_choice": base["constant_letter"]["letter"] if base["constant_letter"] else None,
        "strategies": strategies,
        "paired": paired_on_common_seeds("correct"),
        "paired_content": paired_on_common_seeds("content_correct"),
        "paired_calibrated": paired_on_common_seeds("calibrated_correct"),
        **above_baselines(base, found),
        "missing": sorted(f"{name}-{seed}" for name in args.strategies for seed in args.seeds
                          if not run_file(runs, setup, name, seed).is_file()),
        "time": {"runs": len(record_times), "mean_run_s": statistics.fmean(record_times) if record_times else 0.0,
                 "total_s": sum(record_times) + base["total_s"]},
    }


def markdown(results: list[dict]) -> str:
    first = results[0]
    lines = ["# SmolLM2-135M-Instruct on the multilingual and multitask setups", "",
             f"Command: `{first['command']}`  ", f"Commits: {', '.join(f'`{c}`' for c in first['run_commits'])}  ",
             f"Device: {first['device']}  ",
             "Budget per run: "
             + ", ".join(f"{r['setup']} {r['steps']} steps x batch {r['batch_size']}" for r in results)
             + f", seeds {first['seeds']}, mode `{first['mode']}`. Accuracy (%): log-likelihood of each option, "
             "spelt as the answers are (its letter, letter and text, or text alone), for multiple choice, "
             "exact or numeric match otherwise; `by text`: the options scored by their text instead (mean "
             "log-probability per token); `calibrated`: the letters scored with the model's letter prior over "
             "the dataset divided out. hbo − strategy: paired macro difference with its 95% bootstrap "
             "interval over seeds and questions.", ""]
    for result in results:
        strategies = result["strategies"]
        datasets = list(result["base"]["per_dataset"])
        pairs = result.get("paired", {})
        lines += [f"## {result['setup']}", "",
                  "Questions per dataset: " + ", ".join(f"{d} {n}" for d, n in result["questions"].items())
                  + f". Always answering {result['constant_letter_choice']!r}: {result['constant_letter']:.1f} macro. "
                  f"{result['time']['runs']} runs, {result['time']['mean_run_s'] / 60:.1f} min each on average, "
                  f"{result['time']['total_s'] / 3600:.1f} h in all"
                  + (f"; not run yet: {', '.join(result['missing'])}" if result["missing"] else "") + ".", "",
                  "| strategy | macro | hbo − strategy [95% CI] | by text | calibrated | worst | " + " | ".join(datasets)
                  + " | letters chosen |",
                  "| --- | --- | --- | --- | --- | --- | " + " | ".join("---" for _ in datasets) + " | --- |"]

        def calibrated(value) -> str:
            return "-" if value is None else f"{value['mean']:.1f}"

        def letters(chosen: dict) -> str:
            total = sum(chosen.values()) or 1
            return ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in sorted(chosen.items()))

        rows = [("base model", result["base"], "-")]
        for name, s in sorted(strategies.items(), key=lambda kv: -kv[1]["macro_accuracy"]["mean"]):
            p = pairs.get(name)
            interval = f"{p['delta_macro']:+.1f} [{p['ci95'][0]:+.1f}, {p['ci95'][1]:+.1f}]" if p else "-"
            if p and p["seeds"] != s["seeds"]:  # paired on fewer seeds than the strategy's mean is of
                interval += f" (seeds {', '.join(map(str, p['seeds']))})"
            rows.append((name, s, interval))
        for name, s, interval in rows:
            spread = f" ± {s['macro_accuracy']['std']:.1f}" if len(s["seeds"]) > 1 else ""
            lines.append(f"| {name} | {s['macro_accuracy']['mean']:.1f}{spread} | {interval} | "
                         f"{s['content_accuracy']['mean']:.1f} | {calibrated(s['calibrated_accuracy'])} | "
                         f"{s['worst_accuracy']['mean']:.1f} | "
                         + " | ".join(f"{s['per_dataset'][d]:.1f}" for d in datasets) + f" | {letters(s['chosen'])} |")
        lines += [""] + above_baselines_table(result)
    return "\n".join(lines)


def above_baselines_table(result: dict) -> list[str]:
    """Each strategy's gain over the base model and over the best constant letter, paired, with its
    interval: the issue's bar is a gain above both."""
    constant = result.get("over_constant_letter")
    letter = result["constant_letter_choice"]

    def interval(p: dict | None) -> str:
        return "-" if p is None else f"{p['delta_macro']:+.1f} [{p['ci95'][0]:+.1f}, {p['ci95'][1]:+.1f}]"

    names = sorted(result["over_base"], key=lambda n: -result["strategies"][n]["macro_accuracy"]["mean"])
    lines = [f"Above the baselines: strategy − base model and strategy − always {letter!r}, paired macro difference "
             "with its 95% bootstrap interval over the strategy's seeds and the questions (both baselines answer "
             "the same on every seed).", "",
             f"| strategy | − base model [95% CI] | − always {letter!r} [95% CI] |", "| --- | --- | --- |"]
    if constant:
        lines.append(f"| base model | - | {interval(constant['base'])} |")
    lines += [f"| {name} | {interval(result['over_base'][name])} | {interval((constant or {}).get(name))} |"
              for name in names]
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--gpu", action="store_true", help="the recipes as they are (bf16); default: CPU mode")
    kind.add_argument("--quick", action="store_true", help="a few steps and questions, one seed")
    parser.add_argument("--dev", action="store_true", help="evaluate on a development split carved from training")
    parser.add_argument("--setups", nargs="+", default=list(SETUPS), choices=SETUPS)
    parser.add_argument("--data", default="data", metavar="DIR",
                        help="where `hbo data prepare` wrote each setup (DIR/multilingual, DIR/multitask)")
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=list(STRATEGIES))
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default: 0 1 2 (--quick: 0)")
    parser.add_argument("--jobs", type=int, default=1, help="runs side by side (torch threads split between them)")
    parser.add_argument("--stop-after", type=float, default=float("inf"), metavar="S",
                        help="start no new run after S seconds")
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder")
    parser.add_argument("overrides", nargs="*", metavar="section.key=value", help="applied to every run")
    args = parser.parse_args(argv)
    if args.gpu:
        import torch

        if not torch.cuda.is_available():
            parser.error("--gpu: no CUDA device here (CPU mode is the default)")
    default_seeds = [0] if args.quick else [0, 1, 2]
    args.seeds = args.seeds if args.seeds is not None else default_seeds
    args.commit = commit()  # the code that runs, before anything can change it
    args.out = Path(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    args.plots = not args.dev
    runs = args.out / "runs" / f"smollm2-{mode_of(args)}"
    grid = grid_on_disk(args, runs)
    # the command that makes the whole summarised grid (which pieces ran, --jobs and --out do not change it)
    grid.command = " ".join(["python benchmarks/smollm2.py", *(["--gpu"] if args.gpu else []),
                             *(["--quick"] if args.quick else []), *(["--dev"] if args.dev else []),
                             *(["--data", args.data] if args.data != "data" else []),
                             *(["--seeds", *map(str, grid.seeds)] if grid.seeds != default_seeds else []),
                             *args.overrides])
    run_grid(args, runs)
    results = [r for setup in grid.setups if (r := summarise_setup(setup, grid, runs)) is not None]
    if not results:
        print("no finished runs yet")
        return 0
    name = "smollm2" + ("-" + mode_of(args) if mode_of(args) != "cpu" else "")
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=1))
    (args.out / f"{name}.md").write_text(markdown(results))
    print(markdown(results))
    print(f"wrote {args.out}/{name}.json {name}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

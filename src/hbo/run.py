"""The ``hbo train`` recipe: wires the components into one fine-tuning run and writes its outputs.

model + mixture -> base-model scores -> levels -> strategy + sampler -> Trainer (+ callback)
-> evaluation before / after -> config.yaml, probabilities.jsonl, eval.json, probabilities.png, model/
"""
from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import asdict
from pathlib import Path

import torch

from hbo.config import Config, ConfigError, ModelConfig, dump_yaml
from hbo.core.sampler import HierarchicalSampler
from hbo.data.mixture import Mixture, encode_mixture, ensure_chat_template, read_mixture
from hbo.evaluate import evaluate_mixture, format_table
from hbo.online import TrainingSignals
from hbo.report import plot_probabilities
from hbo.runlog import RunLog
from hbo.scoring import context_token_id, difficulty_levels, load_or_score
from hbo.strategies import STRATEGIES, make_strategy
from hbo.files import atomic_save_folder, atomic_write_text, load_state
from hbo.train import STATE_FILE, MixtureCallback, MixtureController, MixtureTrainer, ModelProbe, latest_checkpoint

DEMO_MODEL = Path(__file__).parent / "assets" / "demo-model"
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


class ModelLoadError(RuntimeError):
    pass


def resolve_model_path(name_or_path: str) -> str:
    if name_or_path == "demo":
        return str(DEMO_MODEL)
    local = Path(name_or_path).expanduser()
    looks_local = name_or_path.startswith((".", "/", "~")) or local.exists() or name_or_path.count("/") > 1
    if looks_local and not local.is_dir():
        raise ModelLoadError(f"model.name_or_path: {name_or_path}: no such model folder")
    return str(local) if looks_local else name_or_path


def load_model(config: ModelConfig):
    """Load tokenizer and causal LM exactly as for a hub model (a local folder or a hub id)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model_path(config.name_or_path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=config.trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=DTYPES[config.dtype],
                                                     trust_remote_code=config.trust_remote_code)
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"model.name_or_path: could not load {config.name_or_path!r}: {e}") from None
    ensure_chat_template(tokenizer, config.chat_template)
    return model, tokenizer


def describe_mixture(mixture: Mixture, levels) -> str:
    lines = [f"{'dataset':<16}{'loaded':>8}{'train':>8}{'held-out':>10}{'overlap':>9}{'truncated':>11}{'dropped':>9}"
             f"{'held-out dropped':>18}  level sizes"]
    for name, level_sets in zip(mixture.names, levels):
        r = mixture.reports[name]
        sizes = " ".join(str(len(level)) for level in level_sets)
        lines.append(f"{name:<16}{r.loaded:>8}{r.train:>8}{r.heldout:>10}{r.overlap:>9}{r.truncated:>11}{r.dropped:>9}"
                     f"{r.heldout_dropped:>18}  {sizes}")
    return "\n".join(lines)


class TrainingInterrupted(Exception):
    """SIGINT / SIGTERM stopped training after a step; a checkpoint and the run files were written."""

    def __init__(self, signum: int, step: int, output_dir: Path):
        self.signum, self.step, self.output_dir = signum, step, output_dir
        name = signal.Signals(signum).name
        super().__init__(f"stopped by {name} after step {step}; checkpoint and run files are in {output_dir}/. "
                         f"Resume with: hbo train --config {output_dir}/config.yaml --resume")


def find_checkpoint(out: Path, resume: str) -> Path:
    """``resume`` is "latest" (the newest complete checkpoint of this run) or a checkpoint folder."""
    checkpoint = latest_checkpoint(out / "trainer") if resume == "latest" else Path(resume)
    if checkpoint is None:
        raise ConfigError(f"--resume: no complete checkpoint under {out / 'trainer'} "
                          "(checkpoints need training.save_strategy: steps, or a SIGINT/SIGTERM stop)")
    if not (checkpoint / STATE_FILE).is_file():
        raise ConfigError(f"--resume: {checkpoint} is not a complete hbo checkpoint (no {STATE_FILE})")
    return checkpoint


def train(config: Config, progress: bool = True, resume: str | None = None) -> dict:
    """Run one fine-tuning job (continuing from a checkpoint when ``resume`` is given: "latest" or a
    checkpoint folder); returns the evaluation results."""
    from transformers import DataCollatorForSeq2Seq

    if config.sampling.strategy not in STRATEGIES:
        raise ConfigError(f"sampling.strategy must be one of {', '.join(STRATEGIES)}; got {config.sampling.strategy!r}")
    out = Path(config.output_dir)
    checkpoint = find_checkpoint(out, resume) if resume else None
    started = time.time()
    t = config.training
    args = training_arguments(config, out, progress)  # under torchrun / accelerate: joins the process group
    main = args.process_index == 0  # only the main process writes files and prints
    progress = progress and main
    if main:
        atomic_write_text(out / "config.yaml", dump_yaml(config))

    read = read_mixture(config.data)
    model, tokenizer = load_model(config.model)
    mixture = encode_mixture(read, config.data, tokenizer)
    scores, cached = load_or_score(model, mixture, tokenizer, config.scoring.batch_size, config.scoring.cache_dir, progress)
    levels = difficulty_levels(mixture, scores, config.scoring.metric, config.scoring.num_levels)
    if main:
        print(describe_mixture(mixture, levels))
        print(f"difficulty scores ({config.scoring.metric}): {'from cache' if cached else 'computed'}"
              + (f"; {args.world_size} processes" if args.world_size > 1 else ""))

    strategy = make_strategy(config.sampling, levels, scores.loss, scores.alone_loss)
    # Every process draws the whole global batch from the same stream; the Trainer's data loader
    # (accelerate) hands each process its own disjoint part of it.
    examples_per_step = t.per_device_train_batch_size * t.gradient_accumulation_steps * args.world_size
    sampler = HierarchicalSampler(levels, num_samples=t.max_steps * examples_per_step, seed=config.sampling.seed,
                                  min_probability=config.sampling.min_probability)
    log = run_log(config, mixture.names, out, args.process_index)
    signals = None
    if config.sampling.reward_source == "train" and config.sampling.strategy.startswith("hbo"):
        if t.extra.get("gradient_checkpointing"):
            raise ConfigError("sampling.reward_source: train does not work with gradient checkpointing (the "
                              "recomputed forward would be measured twice); use reward_source: offline")
        try:
            signals = TrainingSignals(model)
        except ValueError as e:
            raise ConfigError(str(e)) from None
    controller = MixtureController(strategy, sampler, config.sampling.update_interval, examples_per_step, log, signals)
    if checkpoint is not None:
        try:
            controller.load_state_dict(load_state(checkpoint / STATE_FILE))
        except ValueError as e:
            raise ConfigError(f"--resume {checkpoint}: {e}") from None
        print(f"resuming from {checkpoint}")
    train_set = mixture.flat()
    context_id = context_token_id(tokenizer)

    def probe_factory(m):
        return ModelProbe(m, train_set, tokenizer.pad_token_id, context_id, config.scoring.batch_size,
                          config.sampling.gradient_norms, signals)

    def evaluate():
        return evaluate_mixture(model, tokenizer, mixture, config.eval.max_new_tokens, config.eval.batch_size,
                                progress, config.eval.generate_choices)

    before = evaluate() if config.eval.before else None

    callback = MixtureCallback(controller, probe_factory)
    trainer = MixtureTrainer(
        model=model, args=args, train_dataset=train_set, processing_class=tokenizer,
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100),
        callbacks=[callback], mixture_sampler=sampler, signals=signals,
        update_interval=config.sampling.update_interval, norm_steps=config.sampling.online_norm_steps,
        batch_log=(out / "ranks" / f"batches-{args.process_index}.jsonl") if config.sampling.log_every_process else None,
    )
    training_started = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    training_s = time.perf_counter() - training_started
    if callback.stop_signal is not None:
        if main:
            plot_probabilities(log.records, out / "probabilities.png")
        raise TrainingInterrupted(callback.stop_signal, trainer.state.global_step, out)

    after = evaluate()
    # training_s: the Trainer loop, reward measurements included; update_s: the strategy updates in
    # it (offline reward passes and actors); padded_tokens: token positions trained on, padding
    # included (a strategy that favours longer examples trains on more); total_s: the whole command
    results = {"before": before, "after": after,
               "timing": {"training_s": training_s, "update_s": controller.update_seconds,
                          "padded_tokens": trainer.padded_tokens, "total_s": time.time() - started}}
    if main:
        atomic_write_text(out / "eval.json", json.dumps(results, indent=2))
        print(format_table(before, after))
        plot_probabilities(log.records, out / "probabilities.png")
        atomic_save_folder(out / "model", lambda folder: (model.save_pretrained(folder), tokenizer.save_pretrained(folder)))
        print(f"wrote {out}/: config.yaml probabilities.jsonl eval.json probabilities.png model/ "
              f"({time.time() - started:.0f}s)")
    return results


def training_arguments(config: Config, out: Path, progress: bool):
    """The Trainer's arguments: hbo's training section, plus what hbo's sampler needs."""
    from transformers import TrainingArguments

    trainer_kwargs = {k: v for k, v in asdict(config.training).items() if k != "extra"}
    # ignore_data_skip: on resume the sampler restores its own position; the Trainer must not replay
    # the data loader to skip batches (that would draw, and so change, the random stream).
    trainer_kwargs.update({"report_to": "none", "disable_tqdm": not progress, "remove_unused_columns": False,
                           "dataloader_pin_memory": torch.cuda.is_available(), "ignore_data_skip": True,
                           # every parameter gets a gradient in a causal LM; skip DDP's search for unused ones
                           "ddp_find_unused_parameters": False})
    if not (torch.cuda.is_available() or torch.backends.mps.is_available()):
        trainer_kwargs["use_cpu"] = True  # without it, processes launched on a CPU machine would not form a DDP group
    trainer_kwargs.update(config.training.extra)
    try:
        args = TrainingArguments(output_dir=str(out / "trainer"), **trainer_kwargs)
    except TypeError as e:
        raise ConfigError(f"training.extra: {e}") from None
    _ = args.world_size  # sets up the devices, and the process group when launched distributed
    return args


def run_log(config: Config, names: list[str], out: Path, rank: int) -> RunLog:
    """The main process writes the run's logs; with ``sampling.log_every_process`` every other one
    writes its own probabilities too, under ``ranks/``, to check that they agree."""
    if rank == 0:
        return RunLog(names, out / "probabilities.jsonl", out / "samples.jsonl" if config.sampling.log_samples else None)
    return RunLog(names, out / "ranks" / f"probabilities-{rank}.jsonl" if config.sampling.log_every_process else None)


def quiet_libraries() -> None:
    """Keep the console to hbo's own output and progress bars."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging
    import datasets

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()

"""The ``hbo train`` recipe: one fine-tuning run, in the order it happens.

model -> mixture, base-model scores, levels, strategy, sampler, controller (``setup_training``)
-> evaluation before -> Trainer with the mixture's sampler and callback -> evaluation after
-> config.yaml, probabilities.jsonl, eval.json, probabilities.png, model/
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from hbo.config import Config, dump_yaml
from hbo.data.mixture import Mixture, resolve_datasets
from hbo.errors import ConfigError, TrainingInterrupted
from hbo.evaluate import evaluate_mixture, format_table, gains_line
from hbo.model import load_model
from hbo.files import atomic_save_folder, atomic_write_text
from hbo.outputs.comparison import gains_over_baselines
from hbo.outputs.plots import plot_probabilities
from hbo.strategies import STRATEGIES
from hbo.strategies.static import shares_in_order
from hbo.training.setup import setup_training
from hbo.training.trainer import STATE_FILE, MixtureTrainer, latest_checkpoint, load_controller_state, with_mixture


def describe_mixture(mixture: Mixture, levels, training_levels=None) -> str:
    """The console's table of the mixture. ``probe``: of a dataset's training examples, those the
    strategy keeps out as its development probe (``levels`` less ``training_levels``), never trained
    on; a line under the table names every dataset that loses a tenth or more of them that way, since
    on a small dataset that is data a static mix would train on."""
    training_levels = levels if training_levels is None else training_levels
    lines = [f"{'dataset':<16}{'loaded':>8}{'train':>8}{'probe':>7}{'held-out':>10}{'overlap':>9}{'truncated':>11}"
             f"{'dropped':>9}{'held-out dropped':>18}  level sizes"]
    carved = []
    for name, level_sets, kept in zip(mixture.names, levels, training_levels):
        r = mixture.reports[name]
        total = sum(len(level) for level in level_sets)
        probe = total - sum(len(level) for level in kept)
        if total and probe >= total / 10:
            carved.append(f"{name} {probe} of {total} ({100 * probe / total:.0f}%)")
        sizes = " ".join(str(len(level)) for level in level_sets)
        lines.append(f"{name:<16}{r.loaded:>8}{r.train:>8}{probe:>7}{r.heldout:>10}{r.overlap:>9}{r.truncated:>11}"
                     f"{r.dropped:>9}{r.heldout_dropped:>18}  {sizes}")
    if carved:
        lines.append("the development probe keeps out of training " + ", ".join(carved)
                     + " (sampling.probe_per_level: examples per level, at most a quarter of it)")
    return "\n".join(lines)


def trainer_class(config: Config) -> type:
    """The Trainer the run uses: the library's, or TRL's SFTTrainer, with hbo's sampler either way."""
    if config.training.trainer == "sft":
        from trl import SFTTrainer

        return with_mixture(SFTTrainer)
    return MixtureTrainer


def find_checkpoint(out: Path, resume: str) -> Path:
    """``resume`` is "latest" (the newest complete checkpoint of this run) or a checkpoint folder."""
    checkpoint = latest_checkpoint(out / "trainer") if resume == "latest" else Path(resume)
    if checkpoint is None:
        raise ConfigError(f"--resume: no complete checkpoint under {out / 'trainer'} "
                          "(checkpoints need training.save_strategy: steps, or a SIGINT/SIGTERM stop)")
    if not (checkpoint / STATE_FILE).is_file():
        raise ConfigError(f"--resume: {checkpoint} is not a complete hbo checkpoint (no {STATE_FILE})")
    return checkpoint


def train(config: Config, progress: bool = True, resume: str | None = None, read=None) -> dict:
    """Run one fine-tuning job (continuing from a checkpoint when ``resume`` is given: "latest" or a
    checkpoint folder); returns the evaluation results. ``read``: the mixture as
    ``hbo.data.mixture.read_mixture`` returned it, when the caller has read it already."""
    out = Path(config.output_dir)
    checkpoint = find_checkpoint(out, resume) if resume else None
    started = time.time()
    if STRATEGIES[config.sampling.strategy].needs_shares:  # shares that name other datasets stop before the model loads
        shares_in_order(config.sampling.shares, [spec.name for spec in resolve_datasets(config.data)])

    model, tokenizer = load_model(config.model, seed=config.training.seed)
    mix = setup_training(config, model, tokenizer, progress, read)  # under torchrun / accelerate: joins the process group
    main = mix.args.process_index == 0  # only the main process writes files and prints
    progress = progress and main
    if main:
        atomic_write_text(out / "config.yaml", dump_yaml(config))
        print(describe_mixture(mix.mixture, mix.levels, mix.controller.strategy.training_levels))
        scoring = ("from cache" if mix.scores_cached else "computed") if mix.scores is not None else \
            f"not needed by {config.sampling.strategy} (one level per dataset)"
        print(f"difficulty scores ({config.scoring.metric}): {scoring}"
              + (f"; {mix.args.world_size} processes" if mix.args.world_size > 1 else ""))
    if checkpoint is not None:
        try:
            mix.controller.load_state_dict(load_controller_state(checkpoint))
        except ValueError as e:
            raise ConfigError(f"--resume {checkpoint}: {e}") from None
        print(f"resuming from {checkpoint}")

    def evaluate():
        return evaluate_mixture(model, tokenizer, mix.mixture, config.eval.max_new_tokens, config.eval.batch_size,
                                progress, config.eval.generate_choices)

    before = evaluate() if config.eval.before else None
    trainer = trainer_class(config)(
        model=model, args=mix.args,
        train_dataset=mix.train_dataset.as_arrow() if config.training.trainer == "sft" else mix.train_dataset,
        processing_class=tokenizer,
        data_collator=mix.data_collator, callbacks=[mix.callback], controller=mix.controller,
        batch_log=(out / "ranks" / f"batches-{mix.args.process_index}.jsonl") if config.sampling.log_every_process else None,
    )
    training_started = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    training_s = time.perf_counter() - training_started
    records = mix.controller.log.records
    if mix.callback.stop_signal is not None:
        if main:
            plot_probabilities(records, out / "probabilities.png")
        raise TrainingInterrupted(mix.callback.stop_signal, trainer.state.global_step, out)

    after = evaluate()
    # training_s: the Trainer loop, reward measurements included; update_s: hbo's own work in it (the
    # strategy updates' reward passes and actors, and moving a weight average); padded_tokens: token
    # positions trained on, padding included (a strategy that favours longer examples trains on more);
    # total_s: the whole command
    results = {"before": before, "after": after, "gains": gains_over_baselines(before, after),
               "timing": {"training_s": training_s, "update_s": mix.controller.update_seconds,
                          "padded_tokens": trainer.padded_tokens, "total_s": time.time() - started}}
    if main:
        atomic_write_text(out / "eval.json", json.dumps(results, indent=2))
        print(format_table(before, after))
        if line := gains_line(results["gains"], after):
            print(line)
        plot_probabilities(records, out / "probabilities.png")
        atomic_save_folder(out / "model", lambda folder: (model.save_pretrained(folder), tokenizer.save_pretrained(folder)))
        print(f"wrote {out}/: config.yaml probabilities.jsonl eval.json probabilities.png model/ "
              f"({time.time() - started:.0f}s)")
    return results

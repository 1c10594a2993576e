"""The Hugging Face Trainer as the host of a mixture: a Trainer whose sampler is hbo's, and a callback
that runs the controller after every optimiser step, checkpoints its state and stops cleanly on a
signal. TRL's trainers are Trainers, so they take the same two pieces."""
from __future__ import annotations

import inspect
import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import torch
from safetensors.torch import load_file, save_file
from transformers import Trainer, TrainerCallback
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from hbo.core.levels import owners
from hbo.errors import ConfigError
from hbo.files import atomic_write, load_state, save_state
from hbo.measure.examples import row_losses
from hbo.training.controller import MixtureController

# What the mixture needs from TrainingArguments, and why.
REQUIRED_ARGUMENTS = {
    # the collator reads each example's "index" column, which the Trainer would otherwise drop
    "remove_unused_columns": False,
    # on resume the sampler restores its own position; replaying the data loader to skip batches
    # would draw from, and so change, its random stream
    "ignore_data_skip": True,
}


def check_arguments(args) -> None:
    """Raise ConfigError naming every TrainingArguments field that the mixture needs set otherwise."""
    wrong = {k: v for k, v in REQUIRED_ARGUMENTS.items() if getattr(args, k) != v}
    if wrong:
        raise ConfigError("MixtureTrainer needs TrainingArguments(" + ", ".join(f"{k}={v}" for k, v in wrong.items())
                          + ") (hbo.training_arguments sets them)")


def refuse_packing(args) -> None:
    if getattr(args, "packing", False) or getattr(args, "padding_free", False):
        raise ConfigError("hbo draws every training example from its sampler and measures it on its own; packing "
                          "(and padding-free batches) would join examples from several datasets into one row. "
                          "Set packing=False and padding_free=False")


def checkpoints_activations(args) -> bool:
    """Whether the Trainer recomputes activations in the backward pass. transformers renamed the argument
    (``activation_checkpointing``; ``gradient_checkpointing`` is its deprecated alias, to go in v6):
    the new name when the installed version has it, else the old."""
    value = getattr(args, "activation_checkpointing", None)
    return bool(getattr(args, "gradient_checkpointing", False) if value is None else value)


def refuse_unhooked_gradient_norms(model, args) -> None:
    """Per-example gradient norms read off the training steps come from hooks on every layer's forward
    and backward; refuse the set-ups in which those hooks would not see each forward once."""
    online = "online gradient norms (reward_source: train, or auto, with global_reward: gradient-norm)"
    if fuses_lm_head(model):
        raise ConfigError(f"{online} cannot be read under TRL's SFTTrainer: it computes the loss through a fused LM "
                          "head, whose per-example gradients the hooks do not see. Set sampling.reward_source=offline "
                          "(the paper's extra passes), or training.trainer=trainer")
    if checkpoints_activations(args):
        raise ConfigError(f"{online} do not work with gradient checkpointing (the recomputed forward would be measured "
                          "twice), which is on (TRL's SFTConfig turns it on unless told not to): set "
                          "training.extra.gradient_checkpointing=false, or use reward_source: offline or another "
                          "global reward")


class MixtureTrainerMixin:
    """Put before any ``transformers.Trainer`` subclass (``class MyTrainer(MixtureTrainerMixin,
    SFTTrainer)``, or :func:`with_mixture`): it draws its training examples from the controller's
    sampler, records every example's loss and gradient norm as it trains on it when the strategy reads
    training signals, and adds hbo's scalars to the Trainer's log. Nothing else of the Trainer
    changes: the loop, loss, optimiser, logging and checkpointing are the library's."""

    def __init__(self, *args, controller: MixtureController, batch_log: str | Path | None = None, **kwargs):
        self.controller = controller
        self.batch_log = Path(batch_log) if batch_log else None  # this process's examples, one line per micro-step
        if self.batch_log:
            self.batch_log.parent.mkdir(parents=True, exist_ok=True)
            self.batch_log.write_text("")
        self.padded_tokens = 0  # token positions trained on, padding included: what a step's compute scales with
        refuse_packing(kwargs.get("args"))  # before the Trainer builds anything for it
        super().__init__(*args, **kwargs)
        check_arguments(self.args)
        refuse_packing(self.args)
        if controller.strategy.reads_training_gradient_norms:
            refuse_unhooked_gradient_norms(self.model, self.args)
        controller.attach(self.model)
        # with a logger: each dataset's training loss (token-weighted, this process's examples) per log
        self.dataset_of = owners(controller.strategy.levels)[0] if self.reports_to_a_logger else None
        self.loss_sums: dict[int, list[float]] = {}  # dataset -> [summed token loss, tokens] since the last log
        self.batch_indices = None

    @property
    def reports_to_a_logger(self) -> bool:
        return any(r not in (None, "none") for r in (self.args.report_to or []))

    def mixture_epochs(self) -> float:
        """Examples drawn so far (all processes) / training examples in the mixture."""
        size = sum(len(level) for dataset in self.controller.strategy.training_levels for level in dataset)
        drawn = self.state.global_step * self.args.train_batch_size * self.args.gradient_accumulation_steps
        return drawn * self.args.world_size / size

    def _get_train_sampler(self, *args, **kwargs):
        return self.controller.sampler

    def training_step(self, model, inputs, num_items_in_batch=None):
        indices = inputs.pop("index")
        self.batch_indices = indices
        self.padded_tokens += inputs["input_ids"].numel()
        if self.batch_log:
            with self.batch_log.open("a") as f:
                f.write(json.dumps({"step": self.state.global_step + 1, "ids": indices.tolist()}) + "\n")
        signals = self.controller.signals
        if signals is None:
            return super().training_step(model, inputs, num_items_in_batch)
        with signals.step(indices, gradient_norms=self.controller.gradient_norms_wanted(self.state.global_step + 1)):
            return super().training_step(model, inputs, num_items_in_batch)

    def log(self, logs, *args, **kwargs):
        """The Trainer's log, with hbo's last update added once (``hbo/...`` scalars) when ``report_to``
        names a logger (TensorBoard, W&B, ...): it shows the mixture beside the loss. Without one they
        would only crowd the console.

        The logged ``epoch`` is the number of passes over the mixture's training examples that the
        drawn examples amount to: the Trainer's own would be step / max_steps, since hbo's sampler
        yields the whole run as one "epoch"."""
        self.state.epoch = self.mixture_epochs()
        scalars = self.controller.pop_scalars()
        if self.reports_to_a_logger:
            names = self.controller.log.names if self.controller.log is not None else None
            for d, (total, tokens) in sorted(self.loss_sums.items()):
                if names and tokens:
                    scalars[f"hbo/train_loss/{names[d]}"] = total / tokens
            self.loss_sums = {}
            logs = {**logs, **scalars}
        super().log(logs, *args, **kwargs)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        signals = self.controller.signals
        measuring = signals is not None and signals.recording  # inside a training step
        logging = self.dataset_of is not None and self.batch_indices is not None and model.training
        if return_outputs or not (measuring or logging):
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs["labels"]
        # the loss's own forward output, not the Trainer's outputs: TRL's SFTTrainer would build those
        # with a second forward (its fused LM head never makes the logits)
        with loss_forward_output(model) as seen:
            loss = super().compute_loss(model, inputs, False, num_items_in_batch)
        if seen.output is None:
            raise RuntimeError("the Trainer computed its training loss without a forward of the model")
        rows = signals.loss_computed(loss, seen.output, labels) if measuring else None
        if logging:
            totals, counts = rows if rows is not None else row_losses(seen.output, labels)
            for i, total, count in zip(self.batch_indices.tolist(), totals.tolist(), counts.tolist()):
                sums = self.loss_sums.setdefault(int(self.dataset_of[i]), [0.0, 0])
                sums[0] += total
                sums[1] += count
        return loss


@contextmanager
def loss_forward_output(model) -> Iterator[SimpleNamespace]:
    """``.output``: the output of the first forward of ``model`` with gradients inside the block, the
    one a training loss is built from (a Trainer may run more, without gradients, for its metrics);
    the first of all when none had gradients."""
    seen = SimpleNamespace(output=None, with_grad=False)

    def keep(module, args, output):
        if seen.output is None or (torch.is_grad_enabled() and not seen.with_grad):
            seen.output, seen.with_grad = output, torch.is_grad_enabled()

    handle = model.register_forward_hook(keep)
    try:
        yield seen
    finally:
        handle.remove()


def fuses_lm_head(model) -> bool:
    """Whether TRL's SFTTrainer has given the model its fused LM head, which scores each token from the
    last hidden states and the head's weight without calling the head as a module."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    try:
        return "fused_lm_head" in inspect.signature(base.forward, follow_wrapped=False).parameters
    except (TypeError, ValueError):
        return False


class MixtureTrainer(MixtureTrainerMixin, Trainer):
    """The Hugging Face Trainer with hbo's sampler (see :class:`MixtureTrainerMixin`)."""


def with_mixture(trainer_class: type) -> type:
    """``trainer_class`` (a Trainer subclass, e.g. ``trl.SFTTrainer``) with hbo's sampler, signals and log."""
    return type(f"Mixture{trainer_class.__name__}", (MixtureTrainerMixin, trainer_class), {})


STATE_FILE = "hbo_state.json"
AVERAGE_FILE = "hbo_weight_average.safetensors"  # sampling.probe_average: the model-sized part of the state


def save_controller_state(folder: str | Path, state: dict) -> None:
    """The controller's state into a checkpoint folder: the weight average (as large as the trained
    weights) as safetensors, the rest as JSON, written last, so that its presence marks a complete state."""
    average = state.get("weight_average")
    if average is not None:
        atomic_write(Path(folder) / AVERAGE_FILE, lambda tmp: save_file(average, str(tmp)))
    save_state(Path(folder) / STATE_FILE, {**state, "weight_average": AVERAGE_FILE if average is not None else None})


def load_controller_state(folder: str | Path) -> dict:
    state = load_state(Path(folder) / STATE_FILE)
    if state.get("weight_average") is not None:
        state["weight_average"] = load_file(str(Path(folder) / state["weight_average"]))
    return state


class MixtureCallback(TrainerCallback):
    """Runs the controller at the end of every optimiser step of the Trainer, saves its state into
    every Trainer checkpoint, and turns SIGINT / SIGTERM into "finish this step, checkpoint, stop"."""

    def __init__(self, controller: MixtureController, probe_factory):
        self.controller, self.probe_factory = controller, probe_factory
        self.stop_signal: int | None = None
        self._previous_handlers: dict = {}

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if state.global_step == 0:
            self.controller.start(self.probe_factory(model))
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous_handlers[signum] = signal.signal(signum, self._on_signal)

    def _on_signal(self, signum, frame):
        self.stop_signal = signum
        signal.signal(signum, self._previous_handlers[signum])  # a second signal stops at once

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if self.controller.step_end(state.global_step, self.probe_factory(model)):
            control.should_log = True  # the update's scalars reach the loggers at its own step
        if self.stop_signal is not None:
            control.should_save = True
            control.should_training_stop = True

    def on_save(self, args, state, control, **kwargs):
        controller_state = self.controller.state_dict(state.global_step)  # on every process: it may gather
        if state.is_world_process_zero:
            folder = Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"
            save_controller_state(folder, controller_state)

    def on_train_end(self, args, state, control, **kwargs):
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers.clear()


def latest_checkpoint(trainer_dir: str | Path) -> Path | None:
    """The newest checkpoint whose hbo state was written: hbo writes it last, so its presence marks a
    complete checkpoint, and a checkpoint cut short by a crash is passed over."""
    folders = [p for p in Path(trainer_dir).glob(f"{PREFIX_CHECKPOINT_DIR}-*") if (p / STATE_FILE).is_file()]
    return max(folders, key=lambda p: int(p.name.rsplit("-", 1)[1]), default=None)

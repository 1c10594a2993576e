"""Training glue: the model probe the strategies read rewards from, the controller that updates the
sampling distributions every S steps, and its two hosts, the Hugging Face Trainer (a sampler plus a
callback) and a plain PyTorch loop (call ``controller.step_end`` after each optimiser step)."""
from __future__ import annotations

import json
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from transformers import Trainer, TrainerCallback
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from hbo.core.sampler import HierarchicalSampler
from hbo.data.mixture import FlatTrainSet
from hbo.distributed import check_same_everywhere, is_main_process, split_rows
from hbo.files import save_state
from hbo.measure import gradient_cosines, gradient_norms, mean_hidden_states, mean_losses
from hbo.online import TrainingSignals
from hbo.runlog import RunLog
from hbo.scoring import alone_sequence, conditional_sequence
from hbo.strategies.base import Strategy


class ModelProbe:
    """Measurements of the model being trained, by flat example index (see ``RewardProbe``). In a
    distributed run every process measures its share and receives all results (:mod:`hbo.distributed`)."""

    def __init__(self, model, train_set: FlatTrainSet, pad_id: int, context_id: int, batch_size: int = 32,
                 gradient_norm_method: str = "auto", signals: TrainingSignals | None = None):
        self.model, self.train_set = model, train_set
        self.pad_id, self.context_id, self.batch_size = pad_id, context_id, batch_size
        self.gradient_norm_method, self.signals = gradient_norm_method, signals

    def _conditional(self, indices: Sequence[int]):
        return [conditional_sequence(self.train_set.examples[i]) for i in indices]

    def gradient_norms(self, indices: Sequence[int]) -> torch.Tensor:
        return split_rows(lambda share: gradient_norms(self.model, self._conditional(share), self.pad_id,
                                                       self.batch_size, self.gradient_norm_method), indices)

    def trained(self) -> tuple[list[int], torch.Tensor, torch.Tensor]:
        """(indices, response losses, gradient norms) of the examples trained on since the last update,
        by every process."""
        if self.signals is None:
            raise RuntimeError("online rewards need training signals (sampling.reward_source: train)")
        indices, losses, norms = self.signals.gathered()
        return indices, torch.tensor(losses, dtype=torch.float64), torch.tensor(norms, dtype=torch.float64)

    def losses(self, indices: Sequence[int]) -> torch.Tensor:
        return split_rows(lambda share: mean_losses(self.model, self._conditional(share), self.pad_id,
                                                    self.batch_size)[0], indices)

    def alone_losses(self, indices: Sequence[int]) -> torch.Tensor:
        def measure(share):
            sequences = [alone_sequence(self.train_set.examples[i], self.context_id) for i in share]
            return mean_losses(self.model, sequences, self.pad_id, self.batch_size)[0]
        return split_rows(measure, indices)

    def gradient_cosines(self, groups: Sequence[Sequence[int]], reference: Sequence[int]) -> torch.Tensor:
        # split by group; every process takes the reference gradient itself
        return split_rows(lambda share: gradient_cosines(self.model, [self._conditional(g) for g in share],
                                                         self._conditional(reference), self.pad_id,
                                                         self.batch_size), groups)

    def hidden_states(self, indices: Sequence[int]) -> torch.Tensor:
        return split_rows(lambda share: mean_hidden_states(self.model, self._conditional(share), self.pad_id,
                                                           self.batch_size), indices)


class MixtureController:
    """Every ``update_interval`` steps (never at step 0): update the strategy from the probe, hand
    the new distributions to the sampler and log them with what was trained on since the last record."""

    def __init__(self, strategy: Strategy, sampler: HierarchicalSampler, update_interval: int,
                 examples_per_step: int, log: RunLog | None = None, signals: TrainingSignals | None = None):
        self.strategy, self.sampler, self.update_interval, self.log = strategy, sampler, update_interval, log
        self.signals = signals  # online measurements, emptied at every update
        self.examples_per_step = examples_per_step  # examples one optimiser step consumes, all processes together
        self.last_step = 0
        self.update_seconds = 0.0  # time spent in strategy updates (reward measurements and actors)
        self.sampler.set_probabilities(*strategy.probabilities())

    def start(self) -> None:
        """Log the priors as the step-0 record."""
        self._record(0, {})

    def step_end(self, step: int, probe) -> bool:
        """Call after optimiser step ``step``; returns whether an update happened."""
        if step <= 0 or step % self.update_interval:
            return False
        started = time.perf_counter()
        rewards = self.strategy.update(probe) if self.strategy.updates else {}
        self.update_seconds += time.perf_counter() - started
        if self.signals is not None:
            self.signals.clear()
        global_probs, local_probs = self.strategy.probabilities()
        # every process computed this update from the same gathered measurements; make sure
        check_same_everywhere(f"the probabilities after step {step}", [*global_probs, *sum(map(list, local_probs), [])])
        self.sampler.set_probabilities(global_probs, local_probs)
        self._record(step, rewards)
        return True

    def _record(self, step: int, rewards: dict) -> None:
        draws = self.sampler.pop_draws((step - self.last_step) * self.examples_per_step)
        self.last_step = step
        if self.log is not None:
            self.log.record(step, self.sampler.global_probs.tolist(), [p.tolist() for p in self.sampler.local_probs],
                            rewards.get("global_reward"), rewards.get("local_reward"), self.sampler.count(draws),
                            rewards.get("skipped", ()), ids=[i for _, _, i in draws])

    def state_dict(self, step: int) -> dict:
        """Everything needed to continue exactly after optimiser step ``step``."""
        return {"step": step, "last_step": self.last_step, "levels": self.strategy.levels,
                "strategy": self.strategy.state_dict(), "sampler": self.sampler.state_dict(),
                "signals": self.signals.state_dict(gather=True) if self.signals is not None else None}

    def load_state_dict(self, state: dict) -> None:
        if state["levels"] != self.strategy.levels:
            raise ValueError("the difficulty levels differ from the checkpoint's: the data, the model or the "
                             "scoring settings changed since it was written")
        self.strategy.load_state_dict(state["strategy"])
        self.sampler.load_state_dict(state["sampler"])
        if self.signals is not None and state.get("signals") and is_main_process():
            self.signals.load_state_dict(state["signals"])  # every process's measurements, held by one
        self.last_step = state["last_step"]
        self.sampler.requeue_unconsumed((state["step"] - self.last_step) * self.examples_per_step)
        if self.log is not None:
            self.log.resume(state["step"])


class MixtureTrainer(Trainer):
    """A Trainer that draws its training examples from the hierarchical sampler, and with ``signals``
    records every example's loss and gradient norm as it trains on it (online rewards). Nothing else
    of the Trainer changes: the loop, loss, optimiser, logging and checkpointing are the library's."""

    def __init__(self, *args, mixture_sampler: HierarchicalSampler, signals: TrainingSignals | None = None,
                 update_interval: int = 1, norm_steps: int = 1, batch_log: str | Path | None = None, **kwargs):
        self.mixture_sampler, self.signals = mixture_sampler, signals
        self.update_interval, self.norm_steps = update_interval, norm_steps
        self.batch_log = Path(batch_log) if batch_log else None  # this process's examples, one line per micro-step
        if self.batch_log:
            self.batch_log.parent.mkdir(parents=True, exist_ok=True)
            self.batch_log.write_text("")
        self.padded_tokens = 0  # token positions trained on, padding included: what a step's compute scales with
        super().__init__(*args, **kwargs)

    def _get_train_sampler(self, *args, **kwargs):
        return self.mixture_sampler

    def training_step(self, model, inputs, num_items_in_batch=None):
        indices = inputs.pop("index")
        self.padded_tokens += inputs["input_ids"].numel()
        if self.batch_log:
            with self.batch_log.open("a") as f:
                f.write(json.dumps({"step": self.state.global_step + 1, "ids": indices.tolist()}) + "\n")
        if self.signals is None:
            return super().training_step(model, inputs, num_items_in_batch)
        # gradient norms on the last ``norm_steps`` optimiser steps before each actor update
        steps_left = -(self.state.global_step + 1) % self.update_interval
        with self.signals.step(indices, gradient_norms=steps_left < self.norm_steps):
            return super().training_step(model, inputs, num_items_in_batch)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.signals is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs["labels"]
        loss, outputs = super().compute_loss(model, inputs, True, num_items_in_batch)
        self.signals.loss_computed(loss, outputs.logits, labels)
        return (loss, outputs) if return_outputs else loss


STATE_FILE = "hbo_state.json"


class MixtureCallback(TrainerCallback):
    """Runs the controller at the end of every optimiser step of the Trainer, saves its state into
    every Trainer checkpoint, and turns SIGINT / SIGTERM into "finish this step, checkpoint, stop"."""

    def __init__(self, controller: MixtureController, probe_factory):
        self.controller, self.probe_factory = controller, probe_factory
        self.stop_signal: int | None = None
        self._previous_handlers: dict = {}

    def on_train_begin(self, args, state, control, **kwargs):
        if state.global_step == 0:
            self.controller.start()
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous_handlers[signum] = signal.signal(signum, self._on_signal)

    def _on_signal(self, signum, frame):
        self.stop_signal = signum
        signal.signal(signum, self._previous_handlers[signum])  # a second signal stops at once

    def on_step_end(self, args, state, control, model=None, **kwargs):
        self.controller.step_end(state.global_step, self.probe_factory(model))
        if self.stop_signal is not None:
            control.should_save = True
            control.should_training_stop = True

    def on_save(self, args, state, control, **kwargs):
        controller_state = self.controller.state_dict(state.global_step)  # on every process: it may gather
        if state.is_world_process_zero:
            folder = Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"
            save_state(folder / STATE_FILE, controller_state)

    def on_train_end(self, args, state, control, **kwargs):
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers.clear()


def latest_checkpoint(trainer_dir: str | Path) -> Path | None:
    """The newest checkpoint whose hbo state was written: hbo writes it last, so its presence marks a
    complete checkpoint, and a checkpoint cut short by a crash is passed over."""
    folders = [p for p in Path(trainer_dir).glob(f"{PREFIX_CHECKPOINT_DIR}-*") if (p / STATE_FILE).is_file()]
    return max(folders, key=lambda p: int(p.name.rsplit("-", 1)[1]), default=None)

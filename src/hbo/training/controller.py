"""The mixture controller: the update schedule of a strategy during training, with no dependency on
transformers, so a plain PyTorch loop uses it as the Trainer does (``examples/plain_pytorch.py``)."""
from __future__ import annotations

import time
from contextlib import nullcontext

import torch

from hbo.core.sampler import HierarchicalSampler
from hbo.errors import ConfigError
from hbo.measure.averaged_weights import WeightAverage
from hbo.measure.distributed import check_same_everywhere, is_main_process
from hbo.measure.signals import TrainingSignals
from hbo.outputs.runlog import RunLog, scalars
from hbo.strategies.base import Strategy


class MixtureController:
    """Every ``update_interval`` steps (never at step 0): update the strategy from the probe, hand
    the new distributions to the sampler and log them with what was trained on since the last record.

    The controller owns the update schedule and, for a strategy that reads its rewards off the
    training steps (``Strategy.reads_training_signals``), the signals: ``attach(model)`` creates them,
    the host records every training step into ``signals`` and asks ``gradient_norms_wanted(step)``.
    With ``weight_average`` (a decay per step) it also owns an average of the model's weights, on which
    every update measures the model.
    """

    def __init__(self, strategy: Strategy, sampler: HierarchicalSampler, update_interval: int,
                 examples_per_step: int, log: RunLog | None = None, online_norm_steps: int = 1,
                 weight_average: float | None = None):
        self.strategy, self.sampler, self.update_interval, self.log = strategy, sampler, update_interval, log
        self.online_norm_steps = online_norm_steps  # online rewards: gradient norms on the last N steps before an update
        self.signals: TrainingSignals | None = None  # online measurements, emptied at every update
        self.examples_per_step = examples_per_step  # examples one optimiser step consumes, all processes together
        self.last_step = 0
        self.update_seconds = 0.0  # time spent in strategy updates (reward measurements and actors) and in
        # moving the weight average after every step: hbo's own work in the training loop
        self.pending_scalars: dict[str, float] = {}  # the last update's record, flat, until a logger takes it
        self.weight_average = weight_average  # decay per step of the weights the updates measure (None: as trained)
        self.weights: WeightAverage | None = None  # created by attach(model)
        self._loaded_weights: dict | None = None  # a checkpoint's average, until attach(model) can take it
        held_out = torch.as_tensor([i for dataset in strategy.probe_levels for level in dataset for i in level],
                                   dtype=torch.long)
        if held_out.numel() and any(torch.isin(level, held_out).any() for dataset in sampler.levels for level in dataset):
            raise ValueError("the sampler draws from the strategy's development probe, which must never be trained "
                             "on: build it from strategy.training_levels, not from the levels")
        self.sampler.set_probabilities(*strategy.probabilities())

    def attach(self, model) -> None:
        """Record training signals on ``model`` when the strategy reads them, and start the weight
        average when one is asked for (before training starts; again after a checkpoint is loaded)."""
        if self.weight_average is not None and self.weights is None:
            self.weights = WeightAverage(model, self.weight_average)
        self._take_loaded_weights()
        if self.strategy.reads_training_signals and self.signals is None:
            try:
                self.signals = TrainingSignals(model, self.strategy.reads_training_gradient_norms)
            except ValueError as e:  # the model has layers the hooks do not cover
                raise ConfigError(str(e)) from None

    def _take_loaded_weights(self) -> None:
        if self.weights is not None and self._loaded_weights is not None:
            self.weights.load_state_dict(self._loaded_weights)
            self._loaded_weights = None

    def gradient_norms_wanted(self, step: int) -> bool:
        """Whether optimiser step ``step`` (1-based) must record per-example gradient norms: one of
        the last ``online_norm_steps`` before an update."""
        return (self.signals is not None and self.strategy.reads_training_gradient_norms
                and -step % self.update_interval < self.online_norm_steps)

    def start(self, probe=None) -> None:
        """Before the first step: let the strategy measure the base model through ``probe`` (when
        given), and log the priors as the step-0 record."""
        if probe is not None:
            self.strategy.start(probe)
        self._record(0, {})

    def step_end(self, step: int, probe) -> bool:
        """Call after optimiser step ``step``; returns whether an update happened."""
        if self.weights is not None and step > 0:
            started = time.perf_counter()
            self.weights.update()
            self.update_seconds += time.perf_counter() - started
        if step <= 0 or step % self.update_interval:
            return False
        started = time.perf_counter()
        with self.weights.swapped_in() if self.weights is not None else nullcontext():
            rewards = self.strategy.update(probe, step) if self.strategy.updates else {}
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
            record = self.log.record(step, self.sampler.global_probs.tolist(),
                                     [p.tolist() for p in self.sampler.local_probs], rewards.get("global_reward"),
                                     rewards.get("local_reward"), self.sampler.count(draws),
                                     rewards.get("skipped", ()), ids=[i for _, _, i in draws],
                                     global_score=rewards.get("global_score"),
                                     probe_loss=self.strategy.probe_loss(),
                                     probe_answers=self.strategy.probe_answer_means())
            if step > 0:
                self.pending_scalars = scalars(record)

    def pop_scalars(self) -> dict[str, float]:
        """The last update's probabilities, rewards and counts as flat scalars (see
        ``hbo.outputs.runlog.scalars``), once: empty until the next update."""
        taken, self.pending_scalars = self.pending_scalars, {}
        return taken

    def state_dict(self, step: int) -> dict:
        """Everything needed to continue exactly after optimiser step ``step``."""
        return {"step": step, "last_step": self.last_step, "levels": self.strategy.levels,
                "strategy": self.strategy.state_dict(), "sampler": self.sampler.state_dict(),
                "signals": self.signals.state_dict(gather=True) if self.signals is not None else None,
                "weight_average": self.weights.state_dict() if self.weights is not None else None}

    def load_state_dict(self, state: dict) -> None:
        if (state.get("weight_average") is None) != (self.weight_average is None):
            raise ValueError("sampling.probe_average differs from the checkpoint's (a weight average on one side only)")
        if state["levels"] != self.strategy.levels:
            raise ValueError("the difficulty levels differ from the checkpoint's: the data, the model or the "
                             "scoring settings changed since it was written")
        self.strategy.load_state_dict(state["strategy"])
        self.sampler.load_state_dict(state["sampler"])
        if self.signals is not None and state.get("signals") and is_main_process():
            self.signals.load_state_dict(state["signals"])  # every process's measurements, held by one
        if self.weight_average is not None:
            self._loaded_weights = state["weight_average"]
            self._take_loaded_weights()  # now if attached already, else when attach(model) comes
        self.last_step = state["last_step"]
        self.sampler.requeue_unconsumed((state["step"] - self.last_step) * self.examples_per_step)
        if self.log is not None:
            self.log.resume(state["step"])

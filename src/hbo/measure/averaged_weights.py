"""An exponential moving average of a model's trainable weights, to measure the model without the
wandering of its last steps: at a constant learning rate the loss of a fixed example moves by tens
of percent over tens of optimiser steps, and a probe read at one instant takes that swing for
progress (or for forgetting)."""
from __future__ import annotations

from contextlib import contextmanager

import torch


class WeightAverage:
    """``update()`` after every optimiser step; ``swapped_in()`` puts the average into the model for the
    duration of a measurement and the trained weights back after it. Only trainable parameters are
    averaged (a LoRA adapter's, when the base is frozen); the average is kept in float32."""

    def __init__(self, model: torch.nn.Module, decay: float):
        if not 0 < decay < 1:
            raise ValueError(f"the weight average's decay must be in (0, 1), got {decay}")
        self.decay = decay
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.average = [p.detach().float().clone() for p in self.params]

    @torch.no_grad()
    def update(self) -> None:
        if any(a.device != p.device for a, p in zip(self.average, self.params)):
            # the Trainer moves the model to its device after hbo is built
            self.average = [a.to(p.device) for a, p in zip(self.average, self.params)]
        # one multi-tensor call, not one per parameter: the same arithmetic, without a kernel launch for
        # each of the model's tensors after every step (on the CPU it measured level with the loop)
        torch._foreach_lerp_(self.average, [p.detach().float() for p in self.params], 1 - self.decay)

    @contextmanager
    def swapped_in(self):
        with torch.no_grad():
            trained = [p.detach().clone() for p in self.params]
            for p, average in zip(self.params, self.average):
                p.copy_(average)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, weights in zip(self.params, trained):
                    p.copy_(weights)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {str(i): a.cpu() for i, a in enumerate(self.average)}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        if len(state) != len(self.average) or any(state[str(i)].shape != a.shape for i, a in enumerate(self.average)):
            raise ValueError("the weight average in the checkpoint does not fit the model's trainable parameters")
        for i, a in enumerate(self.average):
            a.copy_(state[str(i)])

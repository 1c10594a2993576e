"""What every sampling strategy provides, and what it may ask of the model being trained."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch


class RewardProbe(Protocol):
    """Model-side measurements a strategy may request, by flat training-example index.

    Implemented by the training glue (see ``hbo.train.ModelProbe``); a probe must leave the training
    state untouched. Every method returns a float64 tensor with one value per index.
    """

    def gradient_norms(self, indices: Sequence[int]) -> torch.Tensor: ...
    def losses(self, indices: Sequence[int]) -> torch.Tensor: ...
    def alone_losses(self, indices: Sequence[int]) -> torch.Tensor: ...


class Strategy:
    """Owns the sampling distributions: over datasets, and over the levels of each dataset.

    ``levels[d][k]`` lists the flat indices of level k of dataset d. ``update`` is called every
    ``update_interval`` training steps and returns the rewards it used, for the run log.
    """

    name = "base"

    def __init__(self, levels: Sequence[Sequence[Sequence[int]]]):
        self.levels = [[list(level) for level in dataset] for dataset in levels]
        self.sizes = [sum(len(level) for level in dataset) for dataset in self.levels]

    def probabilities(self) -> tuple[list[float], list[list[float]]]:
        raise NotImplementedError

    def update(self, probe: RewardProbe) -> dict:
        """Move the distributions; return what the run log shows: ``{"global_reward": [...],
        "local_reward": [[...]], "skipped": ["global" or dataset index, ...]}`` (any key optional)."""
        return {}

    @property
    def updates(self) -> bool:
        """Whether ``update`` ever changes anything (static strategies skip the reward work)."""
        return False

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass

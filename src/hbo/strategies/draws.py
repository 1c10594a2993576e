"""Random draws of training examples for reward measurements, from a generator owned by the strategy
(never the training sampler's, so measuring does not change what is trained on)."""
from __future__ import annotations

from collections.abc import Sequence

import torch


def draw(pool: Sequence[int], count: int, generator: torch.Generator) -> list[int]:
    """``count`` indices drawn uniformly with replacement from ``pool``."""
    picks = torch.randint(len(pool), (count,), generator=generator)
    return [pool[i] for i in picks.tolist()]


def draw_per_dataset(levels: Sequence[Sequence[Sequence[int]]], count: int, generator: torch.Generator) -> list[list[int]]:
    """``count`` examples from each dataset, uniformly over the dataset (its levels pooled)."""
    return [draw([i for level in dataset for i in level], count, generator) for dataset in levels]

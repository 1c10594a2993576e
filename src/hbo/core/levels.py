"""Difficulty levels: quantile bins of a per-example score, computed once per dataset, and the
development probe carved out of them."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def assign_levels(scores: Sequence[float] | torch.Tensor, num_levels: int) -> list[int]:
    """Return the level (0 = lowest score = easiest) of every example.

    Examples are ranked by score (ties broken by position, so the result is deterministic) and the
    ranking is cut into ``min(num_levels, n)`` bins whose sizes differ by at most one. Every example
    is kept, and a dataset smaller than ``num_levels`` gets one level per example, so no level is
    ever empty. Non-finite scores rank as the hardest.
    """
    if num_levels < 1:
        raise ValueError(f"num_levels must be >= 1, got {num_levels}")
    values = torch.as_tensor(scores, dtype=torch.float64).flatten()
    n = values.numel()
    if n == 0:
        return []
    values = torch.where(torch.isfinite(values), values, torch.full_like(values, float("inf")))
    order = torch.sort(values, stable=True).indices
    levels_used = min(num_levels, n)
    rank_level = torch.arange(n) * levels_used // n
    level = torch.empty(n, dtype=torch.long)
    level[order] = rank_level
    return level.tolist()


def hold_out(levels: Sequence[Sequence[Sequence[int]]], per_level: int,
             seed: int) -> tuple[list[list[list[int]]], list[list[list[int]]]]:
    """Split every level into (kept for training, held out as a development probe).

    A level gives ``min(per_level, len(level) // 4)`` examples, chosen at random with ``seed``: at
    most a quarter of it, so a small level keeps most of its data and a level of fewer than four
    examples gives none. Returns ``(training, probe)``, both shaped like ``levels``.
    """
    if per_level < 0:
        raise ValueError(f"per_level must be >= 0, got {per_level}")
    generator = torch.Generator().manual_seed(seed)
    training, probe = [], []
    for dataset in levels:
        training.append([]), probe.append([])
        for level in dataset:
            order = torch.randperm(len(level), generator=generator).tolist()
            held = set(order[:min(per_level, len(level) // 4)])
            training[-1].append([i for j, i in enumerate(level) if j not in held])
            probe[-1].append([i for j, i in enumerate(level) if j in held])
    return training, probe


def owners(levels: Sequence[Sequence[Sequence[int]]]) -> tuple[np.ndarray, np.ndarray]:
    """(dataset, level) of every flat example index of ``levels[d][k]``, as two int32 arrays (-1 where an
    index belongs to no level): 8 bytes per example, where a dict would take about a hundred."""
    size = 1 + max((max(level) for dataset in levels for level in dataset if len(level)), default=-1)
    dataset_of, level_of = np.full(size, -1, np.int32), np.full(size, -1, np.int32)
    for d, dataset in enumerate(levels):
        for k, level in enumerate(dataset):
            index = np.asarray(level, dtype=np.int64)
            dataset_of[index], level_of[index] = d, k
    return dataset_of, level_of

"""Difficulty levels: quantile bins of a per-example score, computed once per dataset."""
from __future__ import annotations

from collections.abc import Sequence

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

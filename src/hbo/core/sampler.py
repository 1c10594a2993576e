"""The hierarchical sampler: dataset ~ global, level ~ local, example uniformly within the level."""
from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence

import torch
from torch.utils.data import Sampler


class HierarchicalSampler(Sampler[int]):
    """Yields indices into the flat training set, drawn hierarchically and with replacement.

    ``levels[d][k]`` lists the flat indices of level k of dataset d. Probabilities are read at every
    draw, so an actor update takes effect from the next index on (a data loader that prefetches sees
    it one batch later). ``num_samples`` bounds one pass; each new pass continues the same random
    stream, so a run is reproducible from its seed and resumable from ``state_dict()``.
    """

    def __init__(self, levels: Sequence[Sequence[Sequence[int]]], num_samples: int, seed: int = 0):
        if not levels:
            raise ValueError("the sampler needs at least one dataset")
        for d, dataset_levels in enumerate(levels):
            if not dataset_levels or any(len(level) == 0 for level in dataset_levels):
                raise ValueError(f"dataset {d} has an empty level; every level needs an example")
        self.levels = [[torch.as_tensor(level, dtype=torch.long) for level in ds] for ds in levels]
        self.num_samples = num_samples
        self.generator = torch.Generator().manual_seed(seed)
        self.global_probs = torch.full((len(levels),), 1.0 / len(levels), dtype=torch.float64)
        self.local_probs = [torch.full((len(ds),), 1.0 / len(ds), dtype=torch.float64) for ds in levels]
        self.pending: deque[tuple[int, int]] = deque()  # (dataset, level) of draws not yet counted

    def set_probabilities(self, global_probs: Sequence[float] | torch.Tensor,
                          local_probs: Sequence[Sequence[float] | torch.Tensor]) -> None:
        """Install new distributions (validated: right shapes, finite, non-negative, sum > 0)."""
        new_global = _as_distribution(global_probs, len(self.levels), "global")
        if len(local_probs) != len(self.levels):
            raise ValueError(f"expected {len(self.levels)} local distributions, got {len(local_probs)}")
        new_local = [_as_distribution(p, len(ds), f"local[{d}]")
                     for d, (p, ds) in enumerate(zip(local_probs, self.levels))]
        self.global_probs, self.local_probs = new_global, new_local

    def draw(self) -> tuple[int, int, int]:
        """One draw: (dataset, level, flat index)."""
        d = int(torch.multinomial(self.global_probs, 1, generator=self.generator))
        k = int(torch.multinomial(self.local_probs[d], 1, generator=self.generator))
        members = self.levels[d][k]
        i = int(members[torch.randint(len(members), (1,), generator=self.generator)])
        self.pending.append((d, k))
        return d, k, i

    def __iter__(self) -> Iterator[int]:
        for _ in range(self.num_samples):
            yield self.draw()[2]

    def __len__(self) -> int:
        return self.num_samples

    def pop_counts(self, consumed: int | None = None) -> list[list[int]]:
        """Per dataset and level, how many of the next ``consumed`` draws (default: all pending) fell
        there. A data loader draws ahead of training; passing the number of examples training has
        actually used since the last call keeps prefetched draws for the next count."""
        counts = [[0] * len(ds) for ds in self.levels]
        for _ in range(len(self.pending) if consumed is None else min(consumed, len(self.pending))):
            d, k = self.pending.popleft()
            counts[d][k] += 1
        return counts

    def state_dict(self) -> dict:
        return {
            "generator": self.generator.get_state(),
            "global_probs": self.global_probs.clone(),
            "local_probs": [p.clone() for p in self.local_probs],
            "pending": list(self.pending),
        }

    def load_state_dict(self, state: dict) -> None:
        self.set_probabilities(state["global_probs"], state["local_probs"])
        self.generator.set_state(state["generator"])
        self.pending = deque(tuple(x) for x in state["pending"])


def _as_distribution(p: Sequence[float] | torch.Tensor, size: int, name: str) -> torch.Tensor:
    t = torch.as_tensor(p, dtype=torch.float64).detach().flatten().clone()
    if t.numel() != size:
        raise ValueError(f"{name} distribution has {t.numel()} entries, expected {size}")
    if not torch.all(torch.isfinite(t)) or torch.any(t < 0) or t.sum() <= 0:
        raise ValueError(f"{name} distribution is not valid: {t.tolist()}")
    return t / t.sum()

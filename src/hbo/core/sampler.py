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

    def __init__(self, levels: Sequence[Sequence[Sequence[int]]], num_samples: int, seed: int = 0,
                 min_probability: float = 0.0):
        if not levels:
            raise ValueError("the sampler needs at least one dataset")
        for d, dataset_levels in enumerate(levels):
            if not dataset_levels or any(len(level) == 0 for level in dataset_levels):
                raise ValueError(f"dataset {d} has an empty level; every level needs an example")
        self.levels = [[torch.as_tensor(level, dtype=torch.long) for level in ds] for ds in levels]
        self.num_samples = num_samples
        self.min_probability = min_probability
        self.generator = torch.Generator().manual_seed(seed)
        self.global_probs = torch.full((len(levels),), 1.0 / len(levels), dtype=torch.float64)
        self.local_probs = [torch.full((len(ds),), 1.0 / len(ds), dtype=torch.float64) for ds in levels]
        self.pending: deque[tuple[int, int, int]] = deque()  # (dataset, level, index) drawn, not yet counted
        self.replay: deque[int] = deque()  # drawn before a restart but never trained on: yielded first

    def set_probabilities(self, global_probs: Sequence[float] | torch.Tensor,
                          local_probs: Sequence[Sequence[float] | torch.Tensor]) -> None:
        """Install new distributions (validated: right shapes, finite, non-negative, sum > 0), each
        raised to at least ``min_probability`` per entry so no dataset or level is starved."""
        new_global, new_local = self._checked(global_probs, local_probs, _as_distribution)
        self.global_probs = with_floor(new_global, self.min_probability)
        self.local_probs = [with_floor(p, self.min_probability) for p in new_local]

    def _checked(self, global_probs, local_probs, convert) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The global and local weights through ``convert`` (``_as_distribution`` or ``_as_tensor``:
        shape and value checks), with one local vector per dataset."""
        if len(local_probs) != len(self.levels):
            raise ValueError(f"expected {len(self.levels)} local distributions, got {len(local_probs)}")
        return (convert(global_probs, len(self.levels), "global"),
                [convert(p, len(ds), f"local[{d}]") for d, (p, ds) in enumerate(zip(local_probs, self.levels))])

    def draw(self) -> tuple[int, int, int]:
        """One draw: (dataset, level, flat index)."""
        d = int(torch.multinomial(self.global_probs, 1, generator=self.generator))
        k = int(torch.multinomial(self.local_probs[d], 1, generator=self.generator))
        members = self.levels[d][k]
        i = int(members[torch.randint(len(members), (1,), generator=self.generator)])
        self.pending.append((d, k, i))
        return d, k, i

    def __iter__(self) -> Iterator[int]:
        for _ in range(self.num_samples):
            yield self.replay.popleft() if self.replay else self.draw()[2]

    def __len__(self) -> int:
        return self.num_samples

    def pop_draws(self, consumed: int | None = None) -> list[tuple[int, int, int]]:
        """The next ``consumed`` pending draws (default: all), as (dataset, level, index). A data
        loader draws ahead of training; passing the number of examples training has actually used
        since the last call keeps prefetched draws for the next call."""
        n = len(self.pending) if consumed is None else min(consumed, len(self.pending))
        return [self.pending.popleft() for _ in range(n)]

    def count(self, draws: Sequence[tuple[int, int, int]]) -> list[list[int]]:
        """Per dataset and level, how many of ``draws`` fell there."""
        counts = [[0] * len(ds) for ds in self.levels]
        for d, k, _ in draws:
            counts[d][k] += 1
        return counts

    def requeue_unconsumed(self, consumed: int) -> None:
        """After a restart: pending draws past the first ``consumed`` were prefetched but never
        trained on; yield them again, in order, before drawing anew."""
        self.replay = deque(i for _, _, i in list(self.pending)[consumed:])

    def state_dict(self) -> dict:
        return {
            "generator": self.generator.get_state(),
            "global_probs": self.global_probs.clone(),
            "local_probs": [p.clone() for p in self.local_probs],
            "pending": list(self.pending),
            "min_probability": self.min_probability,
        }

    def load_state_dict(self, state: dict) -> None:
        # the saved distributions already carry the floor: installed as they are, bit for bit (through
        # set_probabilities the floor would be applied a second time and a resumed run would draw
        # differently from an uninterrupted one)
        self.min_probability = state["min_probability"]
        self.global_probs, self.local_probs = self._checked(state["global_probs"], state["local_probs"], _as_tensor)
        self.generator.set_state(state["generator"])
        self.pending = deque(tuple(x) for x in state["pending"])


def with_floor(p: torch.Tensor, floor: float) -> torch.Tensor:
    """(1 - n * floor) * p + floor: every entry at least ``floor``, still a distribution, the order
    of entries unchanged. A floor of 1/n or more gives the uniform distribution."""
    if floor <= 0:
        return p
    floor = min(floor, 1.0 / p.numel())
    return (1 - p.numel() * floor) * p + floor


def _as_tensor(p: Sequence[float] | torch.Tensor, size: int, name: str) -> torch.Tensor:
    """``p`` as a float64 vector of ``size`` finite, non-negative weights with a positive sum."""
    t = torch.as_tensor(p, dtype=torch.float64).detach().flatten().clone()
    if t.numel() != size:
        raise ValueError(f"{name} distribution has {t.numel()} entries, expected {size}")
    if not torch.all(torch.isfinite(t)) or torch.any(t < 0) or t.sum() <= 0:
        raise ValueError(f"{name} distribution is not valid: {t.tolist()}")
    return t


def _as_distribution(p: Sequence[float] | torch.Tensor, size: int, name: str) -> torch.Tensor:
    t = _as_tensor(p, size, name)
    return t / t.sum()

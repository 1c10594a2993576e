"""hbo's measurements split across the processes of a distributed run, and put back together.

Under ``torchrun`` or ``accelerate launch`` every process holds the same actors, sampler and reward
draws (same seeds, same data, same rewards), so all of them install the same distributions at every
update without exchanging them. Only the measurements are divided: process r measures items r, r + N,
r + 2N, ... of a request, and an all-gather hands every process every result, in the request's order.
Without an initialised process group everything here is the single-process identity.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.distributed as dist

from hbo.data.encoding import sequence_lengths
from hbo.measure.examples import Mapped


def rank_and_size() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    return rank_and_size()[0] == 0


def gather_objects(obj) -> list:
    """``obj`` of every process, in rank order (``[obj]`` in a single process)."""
    size = rank_and_size()[1]
    if size == 1:
        return [obj]
    out: list = [None] * size
    dist.all_gather_object(out, obj)
    return out


def split_rows(measure: Callable[[list], torch.Tensor], items: Sequence) -> torch.Tensor:
    """``measure(items)`` with the work split across processes: each measures its share (every N-th
    item) and all receive every row. ``measure`` returns one row per item (a tensor [n, ...]).

    Every share has the same length (a short one is topped up with a repeat of its first item,
    whose row is dropped), so every process runs the same number of forward and backward passes:
    under FSDP or ZeRO-3 each pass is a collective, and unequal shares would hang."""
    rank, size = rank_and_size()
    if size == 1 or not items:
        return measure(items)
    width = -(-len(items) // size)
    mine = np.arange(rank, len(items), size)
    real = len(mine)
    share = RowsOf(items, np.concatenate([mine, np.full(width - real, mine[0] if real else 0)]).astype(np.int64))
    rows = measure(share).cpu()[:real]
    parts = gather_objects(rows)
    out = torch.empty((len(items), *rows.shape[1:]), dtype=rows.dtype)
    for r, part in enumerate(parts):
        out[r::size] = part
    return out


class RowsOf(Mapped):
    """Rows ``indices`` of ``items``, read when indexed: a process's share of a request, never copied
    (the items may be a million Arrow rows)."""

    def __init__(self, items: Sequence, indices: np.ndarray):
        super().__init__(indices, lambda row: items[int(row)])
        self.rows, self.indices = items, indices

    def sequence_lengths(self) -> tuple[np.ndarray, np.ndarray]:
        """The shared examples' (tokens, prompt tokens): see :func:`hbo.data.encoding.sequence_lengths`."""
        lengths, prompts = sequence_lengths(self.rows)
        return lengths[self.indices], prompts[self.indices]


def check_same_everywhere(name: str, values: Sequence[float]) -> None:
    """Raise if the processes hold different ``values`` (they must agree bit for bit)."""
    if rank_and_size()[1] == 1:
        return
    everyone = gather_objects([float(v) for v in values])
    if any(v != everyone[0] for v in everyone[1:]):
        raise RuntimeError(f"the processes disagree on {name}: " + "; ".join(
            f"rank {r}: {v}" for r, v in enumerate(everyone)))

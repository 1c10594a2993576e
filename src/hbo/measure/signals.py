"""Rewards read off the training steps themselves (``sampling.reward_source: train``).

The paper measures its rewards with extra passes over freshly drawn examples at every update. Here
the training forward already has every example's response loss, and the training backward, through
the hooks of :mod:`hbo.measure.hooked_norms`, every example's gradient norm; we keep them, per flat example index,
until the next update. What differs from the paper's estimate: the examples are the ones the
sampler chose (a dataset or level that is rarely drawn is rarely measured), each was measured at
the step it was trained on (before that step's update, in training mode) rather than all at the
update, and the losses are those of the training loss's tokens.

With ``dataset_gradients``, the hooks of :mod:`hbo.measure.hooked_group_gradients` also sum the
recorded steps' per-example gradients by dataset, for the attributed held-out credit
(``sampling.credit_gradients: trained``): the training gradient of each dataset as the step took it.
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from hbo.measure.distributed import gather_objects, summed_everywhere
from hbo.measure.hooked_group_gradients import GroupGradientHooks
from hbo.measure.hooked_norms import GradientNormHooks
from hbo.measure.examples import row_losses


class TrainingSignals:
    """Per-example response loss and gradient norm of every training example since the last update.

    Use ``step(indices, gradient_norms)`` around a training micro-step (forward and backward) and call ``loss_computed``
    with the loss the backward starts from (directly or scaled), the forward's output (or its logits) and the labels.
    """

    def __init__(self, model, gradient_norms: bool = True, dataset_gradients: tuple | None = None):
        # the hooks cost part of a backward, and only the gradient-norm reward reads them
        self.hooks = GradientNormHooks(model) if gradient_norms else None
        if self.hooks is not None and not self.hooks.supported:
            raise ValueError("sampling.reward_source: train needs per-example gradient norms from hooks, which "
                             f"do not cover: {', '.join(self.hooks.unsupported)}; use reward_source: offline")
        # dataset_gradients: (dataset of each flat index, number of datasets, the parameters covered or None)
        self.group_hooks: GroupGradientHooks | None = None
        if dataset_gradients is not None:
            self.dataset_of, self.num_datasets, params = dataset_gradients
            self.group_hooks = GroupGradientHooks(model, params)
            if not self.group_hooks.supported:
                raise ValueError("sampling.credit_gradients: trained reads each dataset's gradient off the training "
                                 f"steps through hooks, which do not cover: {', '.join(self.group_hooks.unsupported)}; "
                                 "use credit_gradients: drawn")
        self.gradient_rows = 0  # examples whose gradients are in the dataset sums
        self.indices: list[int] = []
        self.losses: list[float] = []
        self.gradient_norms: list[float] = []
        self._current: dict | None = None
        self._gathered: tuple | None = None  # gathered(), kept until the measurements change

    def _empty(self) -> dict:
        return {"indices": None, "totals": None, "counts": None, "scale": None, "loss_grad": None}

    @contextmanager
    def step(self, indices: torch.Tensor, gradient_norms: bool = True, dataset_gradients: bool = False) -> Iterator[None]:
        """Record the micro-step that trains on the examples ``indices`` (flat, in batch order): their
        losses always, their gradient norms when ``gradient_norms`` (the hooks cost part of a backward),
        their gradients summed by dataset when ``dataset_gradients`` (a third of a backward)."""
        self._current = current = dict(self._empty(), indices=indices.tolist())
        if gradient_norms and self.hooks is None:
            raise RuntimeError("these training signals were created without gradient norms")
        if dataset_gradients and self.group_hooks is None:
            raise RuntimeError("these training signals were created without dataset gradients")
        with contextlib.ExitStack() as stack:
            if gradient_norms:
                stack.enter_context(self.hooks.recording())
            if dataset_gradients:
                groups = torch.as_tensor(self.dataset_of)[indices.cpu().long()]
                stack.enter_context(self.group_hooks.recording(groups, lambda: self._row_factors(current),
                                                               self.num_datasets))
            yield
        self._current = None
        hooked = gradient_norms or dataset_gradients
        if current["totals"] is None or (hooked and current["loss_grad"] is None) or (
                gradient_norms and self.hooks.squared is None):
            raise RuntimeError("a training step ran without the loss and backward that hbo's online rewards need")
        if dataset_gradients:
            self.gradient_rows += int((current["counts"] > 0).sum())
        counts = current["counts"].double()
        losses = (current["totals"].double() / counts).where(counts > 0, torch.nan)
        norms = torch.full_like(losses, torch.nan)
        if gradient_norms:
            norms = (self.hooks.squared.cpu().sqrt() * self._row_factors(current).double()).where(counts > 0, torch.nan)
        self._gathered = None
        self.indices.extend(current["indices"])
        self.losses.extend(losses.tolist())
        self.gradient_norms.extend(norms.tolist())

    @staticmethod
    def _row_factors(current: dict) -> torch.Tensor:
        """What turns the backward's row b into the gradient of example b's own mean response loss: the
        row is loss_grad * scale * total_b, so 1 / (loss_grad * scale * tokens_b); 0 without a token."""
        counts = current["counts"].double()
        factor = current["loss_grad"] * current["scale"] * counts
        return torch.where(counts > 0, 1 / factor.where(counts > 0, 1.0), 0.0)

    def dataset_gradients(self) -> tuple[list[torch.Tensor], int]:
        """(sums, n): per parameter covered, [datasets, *shape] the summed mean-loss gradients of the
        examples the recorded steps trained on, by dataset, and n how many examples they were, added
        over every process (a collective in a distributed run): sums / n splits the recorded steps'
        mean gradient among the datasets."""
        if self.group_hooks is None:
            raise RuntimeError("these training signals were created without dataset gradients")
        sums = self.group_hooks.sums
        if sums is None:
            sums = [torch.zeros((self.num_datasets, *p.shape), dtype=torch.float32, device=p.device)
                    for p in self.group_hooks.params]
        rows = torch.tensor([float(self.gradient_rows)], device=sums[0].device if sums else "cpu")
        *sums, rows = summed_everywhere([*sums, rows])  # one collective for both (NCCL: on the GPU)
        return sums, int(rows[0])

    @property
    def recording(self) -> bool:
        """Whether a training step is being recorded (inside ``step``)."""
        return self._current is not None

    def loss_computed(self, loss: torch.Tensor, outputs, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
        """``loss`` must be the summed token loss of the batch times one constant (the Trainer's mean
        over tokens or over ``num_items_in_batch``); the constant is read off, not assumed. ``outputs``:
        the forward's output or its logits (see :func:`row_losses`). Returns the per-row summed losses
        and token counts it read, or None outside a recorded step."""
        if self._current is None:
            return None
        totals, counts = row_losses(outputs, labels)
        total = float(totals.sum())
        self._current.update(totals=totals.cpu(), counts=counts.cpu(),
                             scale=float(loss.detach()) / total if total > 0 else 1.0)
        if loss.requires_grad:
            current = self._current
            loss.register_hook(lambda g: current.update(loss_grad=float(g)))
        return totals, counts

    def clear(self) -> None:
        self.indices, self.losses, self.gradient_norms = [], [], []
        self._gathered = None
        self.gradient_rows = 0
        if self.group_hooks is not None:
            self.group_hooks.clear()

    def gathered(self) -> tuple[list[int], list[float], list[float]]:
        """(indices, losses, gradient norms) measured by every process since the last update (a collective
        in a distributed run), in one canonical order whichever process measured what and whether the
        run was resumed in between, so that means are summed alike and every run writes the same bytes."""
        if self._gathered is None:  # both rewards of an update ask: one all-gather serves them
            everyone = gather_objects((self.indices, self.losses, self.gradient_norms))
            rows = sorted((row for part in everyone for row in zip(*part)), key=_canonical)
            self._gathered = [i for i, _, _ in rows], [v for _, v, _ in rows], [v for _, _, v in rows]
        return self._gathered

    def state_dict(self, gather: bool = False) -> dict:
        """The measurements since the last update; with ``gather``, those of every process (a collective)."""
        indices, losses, norms = (self.gathered() if gather
                                  else (list(self.indices), list(self.losses), list(self.gradient_norms)))
        return {"indices": indices, "losses": losses, "gradient_norms": norms}

    def load_state_dict(self, state: dict) -> None:
        self._gathered = None
        self.indices, self.losses = list(state["indices"]), list(state["losses"])
        self.gradient_norms = list(state["gradient_norms"])


def _canonical(row: tuple[int, float, float]) -> tuple:
    """Sort key of (index, loss, norm) that orders NaN too."""
    return tuple(v if v == v else math.inf for v in row) + tuple(v != v for v in row)

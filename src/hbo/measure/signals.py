"""Rewards read off the training steps themselves (``sampling.reward_source: train``).

The paper measures its rewards with extra passes over freshly drawn examples at every update. Here
the training forward already has every example's response loss, and the training backward, through
the hooks of :mod:`hbo.measure.hooked_norms`, every example's gradient norm; we keep them, per flat example index,
until the next update. What differs from the paper's estimate: the examples are the ones the
sampler chose (a dataset or level that is rarely drawn is rarely measured), each was measured at
the step it was trained on (before that step's update, in training mode) rather than all at the
update, and the losses are those of the training loss's tokens.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from hbo.measure.distributed import gather_objects
from hbo.measure.hooked_norms import GradientNormHooks
from hbo.measure.examples import row_losses


class TrainingSignals:
    """Per-example response loss and gradient norm of every training example since the last update.

    Use ``step(indices, gradient_norms)`` around a training micro-step (forward and backward) and call ``loss_computed``
    with the loss the backward starts from (directly or scaled), the forward's output (or its logits) and the labels.
    """

    def __init__(self, model, gradient_norms: bool = True):
        # the hooks cost part of a backward, and only the gradient-norm reward reads them
        self.hooks = GradientNormHooks(model) if gradient_norms else None
        if self.hooks is not None and not self.hooks.supported:
            raise ValueError("sampling.reward_source: train needs per-example gradient norms from hooks, which "
                             f"do not cover: {', '.join(self.hooks.unsupported)}; use reward_source: offline")
        self.indices: list[int] = []
        self.losses: list[float] = []
        self.gradient_norms: list[float] = []
        self._current: dict | None = None
        self._gathered: tuple | None = None  # gathered(), kept until the measurements change

    def _empty(self) -> dict:
        return {"indices": None, "totals": None, "counts": None, "scale": None, "loss_grad": None}

    @contextmanager
    def step(self, indices: torch.Tensor, gradient_norms: bool = True) -> Iterator[None]:
        """Record the micro-step that trains on the examples ``indices`` (flat, in batch order): their
        losses always, their gradient norms when ``gradient_norms`` (the hooks cost part of a backward)."""
        self._current = dict(self._empty(), indices=indices.tolist())
        if gradient_norms and self.hooks is None:
            raise RuntimeError("these training signals were created without gradient norms")
        if gradient_norms:
            with self.hooks.recording():
                yield
        else:
            yield
        current, self._current = self._current, None
        if current["totals"] is None or (gradient_norms and (current["loss_grad"] is None or self.hooks.squared is None)):
            raise RuntimeError("a training step ran without the loss and backward that hbo's online rewards need")
        counts = current["counts"].double()
        losses = (current["totals"].double() / counts).where(counts > 0, torch.nan)
        norms = torch.full_like(losses, torch.nan)
        if gradient_norms:
            # The backward's row b is loss_grad * scale * total_b: undo both factors and the token
            # count, which leaves the norm of the gradient of example b's own mean response loss.
            factor = current["loss_grad"] * current["scale"] * counts
            norms = (self.hooks.squared.cpu().sqrt() / factor).where(counts > 0, torch.nan)
        self._gathered = None
        self.indices.extend(current["indices"])
        self.losses.extend(losses.tolist())
        self.gradient_norms.extend(norms.tolist())

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

"""Each group's summed gradient from one batched backward pass, read off module hooks.

A training step's backward gives the gradient of its whole batch; the attributed held-out credit
needs it split by dataset. Each layer's weight gradient is a sum over the batch's rows (a linear
layer's is ``sum_{b,t} g_bt x_bt^T``), so summing the rows of each group apart gives every group's
own gradient for the price of one more weight-gradient product (about a third of a backward pass),
where taking them with passes of their own costs a forward and a backward per group. The module
kinds, and the rows' independence, are those of :mod:`hbo.measure.hooked_norms`; unlike the norms,
the gradients are materialised (one copy of the covered parameters per group), so a weight tied
between the input embedding and the output layer simply gets both uses added.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import nn

from hbo.measure.hooked_norms import hooked_kind, norm_direction


class GroupGradientHooks:
    """Per-group sums of the rows' gradients over ``params`` (default: every trainable parameter).

    Inside ``recording(groups, row_weights, num_groups)``, each backward through the model adds row b's
    gradient times ``row_weights()[b]`` (read when the backward reaches the layers, so a factor known
    only once the loss's gradient is, can be in it) to group ``groups[b]``'s sum. A negative group
    leaves its row out. ``sums`` holds one float32 tensor [num_groups, *shape] per parameter, in the
    order of ``params``; it accumulates over recordings until ``clear()``.
    """

    def __init__(self, model: nn.Module, params: Sequence[nn.Parameter] | None = None):
        self.params = [p for p in model.parameters() if p.requires_grad] if params is None else list(params)
        position = {id(p): k for k, p in enumerate(self.params)}
        self.modules: dict[nn.Module, str] = {}
        covered: set[int] = set()
        for module in model.modules():
            own = [p for p in module.parameters(recurse=False) if id(p) in position]
            kind = hooked_kind(module) if own else None
            if kind is not None:
                self.modules[module] = kind
                covered.update(id(p) for p in own)
        names = {id(p): n for n, p in model.named_parameters()}
        self.unsupported = [names.get(id(p), "?") for p in self.params if id(p) not in covered]
        self.position = position
        self.sums: list[torch.Tensor] | None = None
        self._groups: torch.Tensor | None = None
        self._weights: Callable[[], torch.Tensor] | None = None
        self._num_groups = 0

    @property
    def supported(self) -> bool:
        return not self.unsupported

    def clear(self) -> None:
        self.sums = None

    @contextmanager
    def recording(self, groups: torch.Tensor, row_weights: Callable[[], torch.Tensor],
                  num_groups: int) -> Iterator[GroupGradientHooks]:
        """Attach the hooks for the block; the batch's rows belong to ``groups`` ([B] long, -1: none)."""
        if not self.supported:
            raise ValueError(f"per-group gradients via hooks do not cover: {', '.join(self.unsupported)}")
        self._groups, self._weights, self._num_groups = groups.long(), row_weights, num_groups
        handles = [m.register_forward_hook(self._forward) for m in self.modules]
        try:
            yield self
        finally:
            for h in handles:
                h.remove()
            self._groups = self._weights = None

    def _forward(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        if not torch.is_grad_enabled() or not output.requires_grad:
            return
        x = inputs[0].detach()
        if self.modules[module] == "norm":
            x = norm_direction(module, x)
        groups, weights = self._groups, self._weights
        output.register_hook(lambda g, module=module, x=x: self._backward(module, x, g, groups, weights))

    def _add(self, param: nn.Parameter, group: int, value: torch.Tensor) -> None:
        if self.sums is None:
            self.sums = [torch.zeros((self._num_groups, *p.shape), dtype=torch.float32, device=p.device)
                         for p in self.params]
        self.sums[self.position[id(param)]][group] += value

    def _covered(self, param: nn.Parameter | None) -> bool:
        return param is not None and id(param) in self.position

    def _backward(self, module: nn.Module, x: torch.Tensor, g: torch.Tensor, groups: torch.Tensor,
                  weights: Callable[[], torch.Tensor]) -> None:
        kind = self.modules[module]
        batch = g.shape[0]
        rows = weights().to(device=g.device, dtype=torch.float32)
        g3 = g.detach().float().reshape(batch, -1, g.shape[-1]) * rows[:, None, None]
        groups = groups.to(g.device)
        if kind == "embedding":
            ids = x.reshape(batch, -1)
            if module.padding_idx is not None:  # torch gives the padding row no gradient
                g3 = g3 * (ids != module.padding_idx).unsqueeze(-1)
        else:
            x3 = x.float().reshape(batch, -1, x.shape[-1])
        weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
        for group in torch.unique(groups[groups >= 0]).tolist():
            mine = groups == group
            gs = g3[mine].reshape(-1, g3.shape[-1])
            if kind == "embedding":
                if self._covered(weight):
                    summed = torch.zeros(weight.shape, dtype=torch.float32, device=g.device)
                    self._add(weight, group, summed.index_add_(0, ids[mine].reshape(-1), gs))
                continue
            xs = x3[mine].reshape(-1, x3.shape[-1])
            if self._covered(weight):
                self._add(weight, group, gs.T @ xs if kind == "linear" else (gs * xs).sum(dim=0))
            if self._covered(bias):
                self._add(bias, group, gs.sum(dim=0))

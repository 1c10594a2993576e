"""Per-example gradient norms from one batched backward pass, read off module hooks ("ghost norms").

The gradient of a linear layer's weight for example b is ``sum_t g_t x_t^T`` (g: gradient of the
layer's output at position t, x: its input), so its squared norm is ``sum_{t,s} (x_t.x_s)(g_t.g_s)``:
two T x T Gram matrices instead of a d_out x d_in matrix per example (Goodfellow 2015; Li et al.
2022, "ghost clipping"). We take whichever of the two forms is cheaper, layer by layer. An embedding
is the same with one-hot inputs; a normalisation layer ``a(x) + w * c(x)`` has the per-example
gradient ``sum_t g_t * c(x_t)``. A weight tied between the input embedding and the output layer gets
the cross term of its two uses, so the norm is that of the summed gradient, as autograd sees it.

Examples in a batch never interact (attention is masked, padding gets no gradient), so a backward of
the *sum* of per-example losses gives every example's own gradient, row by row. Any trainable
parameter these rules do not cover makes ``GradientNormHooks.unsupported`` non-empty; callers then
fall back to one backward per example.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

# Materialise a per-example weight gradient only when it is this small (elements, whole batch).
DIRECT_LIMIT = 1 << 26


def _is_affine_norm(module: nn.Module) -> bool:
    """A normalisation layer with one weight (and optional bias) over the last dimension."""
    names = {name for name, _ in module.named_parameters(recurse=False)}
    weight = getattr(module, "weight", None)
    return ("norm" in type(module).__name__.lower() and names in ({"weight"}, {"weight", "bias"})
            and weight is not None and weight.dim() == 1)


def _gram_product(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """sum_{t,s} (x_t.x_s)(g_t.g_s) per row, or the same via the materialised outer products."""
    batch, length = x.shape[0], x.shape[1]
    d_in, d_out = x.shape[-1], g.shape[-1]
    if length * (d_in + d_out) > d_in * d_out and batch * d_in * d_out <= DIRECT_LIMIT:
        return torch.einsum("bti,bto->bio", x, g).pow(2).sum(dim=(1, 2))
    return (torch.bmm(x, x.transpose(1, 2)) * torch.bmm(g, g.transpose(1, 2))).sum(dim=(1, 2))


class GradientNormHooks:
    """Squared per-example gradient norms over all trainable parameters of ``model``.

    Inside ``recording()``, every forward registers what the backward needs; each backward through
    the model then adds its per-row squared norms to ``squared`` ([B] float64, in the order of the
    batch). The norms are of the gradient of whatever scalar was backpropagated: to get example b's
    own norm, backpropagate a sum of per-example losses (or rescale afterwards).
    """

    def __init__(self, model: nn.Module):
        self.model = model
        self.modules: dict[nn.Module, str] = {}
        owners: dict[int, list[nn.Module]] = {}
        for module in model.modules():
            own = [p for p in module.parameters(recurse=False) if p.requires_grad]
            if not own:
                continue
            kind = ("linear" if isinstance(module, nn.Linear) else "embedding" if isinstance(module, nn.Embedding)
                    else "norm" if _is_affine_norm(module) else None)
            if kind is not None:
                self.modules[module] = kind
                for p in own:
                    owners.setdefault(id(p), []).append(module)
        self.tied: dict[nn.Module, nn.Module] = {}  # output layer -> embedding sharing its weight
        self.unsupported: list[str] = []
        names = {id(p): n for n, p in model.named_parameters()}
        for p in model.parameters():
            if not p.requires_grad:
                continue
            users = owners.get(id(p), [])
            kinds = sorted(self.modules[m] for m in users)
            if kinds == ["embedding", "linear"]:
                linear, embedding = sorted(users, key=lambda m: self.modules[m] != "linear")
                self.tied[linear] = embedding
            elif len(users) != 1:
                self.unsupported.append(names.get(id(p), "?"))
        self.squared: torch.Tensor | None = None
        self._ids: dict[nn.Module, torch.Tensor] = {}
        self._cross: dict[nn.Module, torch.Tensor] = {}
        self._pending = 0
        self.outputs: list[torch.Tensor] = []  # hooked outputs of the current recording, in forward order

    @property
    def supported(self) -> bool:
        return not self.unsupported

    @contextmanager
    def recording(self) -> Iterator[GradientNormHooks]:
        """Attach the hooks for the duration of the block; ``squared`` starts empty."""
        if not self.supported:
            raise ValueError(f"per-example gradient norms via hooks do not cover: {', '.join(self.unsupported)}")
        self.squared = None
        self.outputs = []
        handles = [m.register_forward_hook(self._forward) for m in self.modules]
        try:
            yield self
        finally:
            for h in handles:
                h.remove()
            self._ids.clear()
            self._cross.clear()
            self.outputs = []

    def complete(self) -> bool:
        """Whether every hooked output seen in a forward has had its gradient (no backward pending)."""
        return self._pending == 0

    def _add(self, values: torch.Tensor) -> None:
        values = values.detach().double()
        self.squared = values if self.squared is None else self.squared + values

    def _forward(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        if not torch.is_grad_enabled() or not output.requires_grad:
            return
        kind = self.modules[module]
        x = inputs[0].detach()
        if kind == "embedding":
            self._ids[module] = x
        elif kind == "norm":
            with torch.no_grad():  # c(x) = out(w = 1, b = 0) - out(w = 0, b = 0) of an affine-in-w layer
                params = dict(module.named_parameters(recurse=False))
                zeros = {name: torch.zeros_like(p) for name, p in params.items()}
                ones = dict(zeros, weight=torch.ones_like(params["weight"]))
                x = (torch.func.functional_call(module, ones, (x,)) - torch.func.functional_call(module, zeros, (x,)))
        self._pending += 1
        self.outputs.append(output)
        output.register_hook(lambda g, module=module, x=x: self._backward(module, x, g))

    def _backward(self, module: nn.Module, x: torch.Tensor, g: torch.Tensor) -> None:
        self._pending -= 1
        kind = self.modules[module]
        g = g.detach().float()
        batch = g.shape[0]
        g3 = g.reshape(batch, -1, g.shape[-1])
        if kind == "linear":
            x3 = x.float().reshape(batch, -1, x.shape[-1])
            if module.weight.requires_grad:
                self._add(_gram_product(x3, g3))
            if module.bias is not None and module.bias.requires_grad:
                self._add(g3.sum(dim=1).pow(2).sum(dim=1))
            embedding = self.tied.get(module)
            if embedding is not None:  # keep sum_t g_t[id_s] x_t per input position s for the cross term
                ids = self._ids[embedding].reshape(batch, -1)
                picked = torch.gather(g3, 2, ids.unsqueeze(1).expand(-1, g3.shape[1], -1))  # [B, T_out, T_in]
                self._cross[embedding] = torch.bmm(picked.transpose(1, 2), x3)  # [B, T_in, d]
        elif kind == "embedding":
            ids = x.reshape(batch, -1)
            if module.padding_idx is not None:  # torch gives the padding row no gradient
                g3 = g3 * (ids != module.padding_idx).unsqueeze(-1)
            same = (ids.unsqueeze(2) == ids.unsqueeze(1)).float()
            self._add((same * torch.bmm(g3, g3.transpose(1, 2))).sum(dim=(1, 2)))
            cross = self._cross.pop(module, None)
            if cross is not None:
                self._add(2 * (cross * g3).sum(dim=(1, 2)))
            elif module in self.tied.values():
                raise RuntimeError("tied embedding reached before its output layer in the backward pass")
        else:
            c3 = x.float().reshape(batch, -1, x.shape[-1])
            self._add((g3 * c3).sum(dim=1).pow(2).sum(dim=1))
            if getattr(module, "bias", None) is not None and module.bias.requires_grad:
                self._add(g3.sum(dim=1).pow(2).sum(dim=1))

"""Per-example measurements on a causal LM: response loss, perplexity, IFD and gradient norm.

Everything is batched by length (one forward per batch, padded on the right, the loss taken with one
vectorised cross-entropy) and runs inside :func:`preserved_state`, so a measurement never changes the
model's parameters, gradients, train/eval mode or the global RNG streams.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
import torch.nn.functional as F

IGNORE = -100
LabelledSequence = tuple[Sequence[int], Sequence[int]]  # (input_ids, labels)


@contextmanager
def preserved_state(model: torch.nn.Module) -> Iterator[None]:
    """Run in eval mode (no dropout) and restore every module's mode and every RNG stream after."""
    modes = [(m, m.training) for m in model.modules()]
    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        model.eval()
        try:
            yield
        finally:
            for module, mode in modes:
                module.training = mode


def pad(sequences: Sequence[LabelledSequence], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-pad (input_ids, labels) pairs: returns input_ids, attention_mask, labels of shape [B, T]."""
    width = max(len(ids) for ids, _ in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    labels = torch.full((len(sequences), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, (ids, lab) in enumerate(sequences):
        input_ids[row, : len(ids)] = torch.as_tensor(ids)
        labels[row, : len(lab)] = torch.as_tensor(lab)
        mask[row, : len(ids)] = 1
    return input_ids.to(device), mask.to(device), labels.to(device)


def token_losses(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed next-token loss and token count per row: ([B], [B]), in float32.

    Position t predicts labels[t + 1]; positions whose label is -100 contribute nothing.
    """
    targets = labels[:, 1:]
    logits = logits[:, :-1].float()
    losses = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                             ignore_index=IGNORE, reduction="none").view_as(targets)
    counted = (targets != IGNORE)
    return (losses * counted).sum(dim=1), counted.sum(dim=1)


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, so that little compute goes to padding."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    return [order[i: i + batch_size] for i in range(0, len(order), batch_size)]


@torch.no_grad()
def mean_losses(model, sequences: Sequence[LabelledSequence], pad_id: int, batch_size: int = 32,
                progress: bool = False, desc: str = "scoring") -> tuple[torch.Tensor, torch.Tensor]:
    """Mean loss over the labelled tokens of every sequence, and their token counts ([N], [N]).

    A sequence with no labelled token gets NaN. Perplexity is exp(mean loss).
    """
    device = next(model.parameters()).device
    losses = torch.full((len(sequences),), math.nan, dtype=torch.float64)
    counts = torch.zeros(len(sequences), dtype=torch.long)
    batches = length_batches([len(ids) for ids, _ in sequences], batch_size)
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc=desc, unit="batch", leave=False)
    with preserved_state(model):
        for batch in batches:
            input_ids, mask, labels = pad([sequences[i] for i in batch], pad_id, device)
            logits = model(input_ids=input_ids, attention_mask=mask).logits
            total, count = token_losses(logits, labels)
            index = torch.as_tensor(batch)
            counts[index] = count.cpu()
            losses[index] = (total.double() / count.double()).cpu().where(count.cpu() > 0, math.nan)
    return losses, counts


def gradient_norms(model, sequences: Sequence[LabelledSequence], pad_id: int) -> torch.Tensor:
    """Per-example L2 norm of the gradient of the mean response loss over all trainable parameters.

    One example per backward pass; gradients come from ``torch.autograd.grad`` and are never
    accumulated into ``.grad``, so the training step's gradients stay untouched. Returns [N] float64.
    """
    device = next(model.parameters()).device
    params = [p for p in model.parameters() if p.requires_grad]
    norms = torch.empty(len(sequences), dtype=torch.float64)
    with preserved_state(model):
        for row, sequence in enumerate(sequences):
            input_ids, mask, labels = pad([sequence], pad_id, device)
            total, count = token_losses(model(input_ids=input_ids, attention_mask=mask).logits, labels)
            if int(count) == 0:
                norms[row] = math.nan
                continue
            grads = torch.autograd.grad(total[0] / count[0], params, allow_unused=True)
            norms[row] = float(total_norm([g for g in grads if g is not None]))
    return norms


def total_norm(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """L2 norm of the concatenation of ``tensors`` (0 for none), in float32 or wider."""
    if not tensors:
        return torch.tensor(0.0)
    return torch.stack([t.float().pow(2).sum() for t in tensors]).sum().sqrt()


def mean_gradient(model, sequences: Sequence[LabelledSequence], pad_id: int, batch_size: int = 32) -> list[torch.Tensor]:
    """Gradient of the mean over sequences of their mean response loss, one tensor per trainable
    parameter (via ``torch.autograd.grad``: ``.grad`` stays untouched). Sequences without a scored
    token are left out. Call inside :func:`preserved_state`."""
    device = next(model.parameters()).device
    params = [p for p in model.parameters() if p.requires_grad]
    total = [torch.zeros_like(p, dtype=torch.float32) for p in params]
    scored = sum(1 for _, labels in sequences if any(t != IGNORE for t in labels[1:]))
    if scored == 0:
        return total
    for batch in length_batches([len(ids) for ids, _ in sequences], batch_size):
        input_ids, mask, labels = pad([sequences[i] for i in batch], pad_id, device)
        losses, counts = token_losses(model(input_ids=input_ids, attention_mask=mask).logits, labels)
        valid = counts > 0
        if not torch.any(valid):
            continue
        grads = torch.autograd.grad((losses[valid] / counts[valid]).sum() / scored, params, allow_unused=True)
        for acc, g in zip(total, grads):
            if g is not None:
                acc += g.float()
    return total


def gradient_cosines(model, groups: Sequence[Sequence[LabelledSequence]], reference: Sequence[LabelledSequence],
                     pad_id: int, batch_size: int = 32) -> torch.Tensor:
    """Cosine between the mean-loss gradient of each group and that of ``reference`` ([G] float64),
    over all trainable parameters; NaN for a group whose gradient is zero."""
    cosines = torch.full((len(groups),), math.nan, dtype=torch.float64)
    with preserved_state(model):
        ref = mean_gradient(model, reference, pad_id, batch_size)
        ref_norm = total_norm(ref)
        for row, group in enumerate(groups):
            grad = mean_gradient(model, group, pad_id, batch_size)
            dot = torch.stack([(a * b).sum() for a, b in zip(grad, ref)]).sum()
            norm = total_norm(grad)
            if norm > 0 and ref_norm > 0:
                cosines[row] = float(dot / (norm * ref_norm))
    return cosines


@torch.no_grad()
def mean_hidden_states(model, sequences: Sequence[LabelledSequence], pad_id: int, batch_size: int = 32) -> torch.Tensor:
    """Mean over tokens of the last layer's hidden state for every sequence: [N, hidden] float64."""
    device = next(model.parameters()).device
    out: list[torch.Tensor | None] = [None] * len(sequences)
    with preserved_state(model):
        for batch in length_batches([len(ids) for ids, _ in sequences], batch_size):
            input_ids, mask, _ = pad([sequences[i] for i in batch], pad_id, device)
            hidden = model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True).hidden_states[-1]
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            means = (hidden * weights).sum(dim=1) / weights.sum(dim=1)
            for row, i in enumerate(batch):
                out[i] = means[row].double().cpu()
    return torch.stack(out)

"""Per-example measurements on a causal LM: response loss, perplexity, IFD and gradient norm.

Everything is batched by length (one forward per batch, padded on the right, the loss taken over the
scored tokens in chunks; gradient norms from one backward per batch, see :mod:`hbo.measure.hooked_norms`) and runs inside :func:`preserved_state`, so a measurement never changes the
model's parameters, gradients, train/eval mode or the global RNG streams.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F

from hbo.data.encoding import IGNORE, Encoded
from hbo.measure.hooked_norms import GradientNormHooks

try:
    from torch.distributed.fsdp import FSDPModule
except ImportError:  # a torch build without torch.distributed
    FSDPModule = None

LabelledSequence = tuple[Sequence[int], Sequence[int]]  # (input_ids, labels)


def conditional_sequence(ex: Encoded) -> tuple[list[int], list[int]]:
    """The example with loss on the response only, whatever the training loss covers."""
    return ex.input_ids, [IGNORE] * len(ex.prompt_ids) + ex.response_ids


def alone_sequence(ex: Encoded, header: Sequence[int]) -> tuple[list[int], list[int]]:
    """The response after the response header alone (no prompt): every response token is scored."""
    return list(header) + ex.response_ids, [IGNORE] * len(header) + ex.response_ids


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
            reshard(model)


def reshard(model: torch.nn.Module) -> None:
    """Put back the sharded parameters of FSDP2 modules: a forward without a backward leaves the
    root's gathered, and the next training step would then run on them, stale after the optimiser."""
    for module in model.modules():
        if FSDPModule is not None and isinstance(module, FSDPModule):
            module.reshard()


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


def _summed_over_scored_tokens(logits: torch.Tensor, labels: torch.Tensor, per_token, chunk: int) -> torch.Tensor:
    """Per row, the sum of ``per_token(logits, targets)`` over its scored positions ([B], float32).

    Position t predicts labels[t + 1]; positions whose label is -100 contribute nothing. Only the
    scored positions are taken, ``chunk`` tokens at a time, so full-vocabulary float32 values never
    exist for more than ``chunk`` tokens at once.
    """
    targets = labels[:, 1:]
    rows, cols = (targets != IGNORE).nonzero(as_tuple=True)
    parts = [per_token(logits[r, c].float(), targets[r, c])
             for r, c in ((rows[i:i + chunk], cols[i:i + chunk]) for i in range(0, len(rows), chunk))]
    values = torch.cat(parts) if parts else logits.new_zeros(0, dtype=torch.float32)
    return torch.zeros(labels.shape[0], dtype=torch.float32, device=logits.device).index_add_(0, rows, values)


def token_losses(logits: torch.Tensor, labels: torch.Tensor, chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed next-token loss and token count per row: ([B], [B]), in float32 (see
    :func:`_summed_over_scored_tokens` for which positions count)."""
    totals = _summed_over_scored_tokens(logits, labels, lambda scores, target: F.cross_entropy(
        scores, target, reduction="none"), chunk)
    return totals, (labels[:, 1:] != IGNORE).sum(dim=1)


def row_losses(outputs, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`token_losses` of a causal LM's training forward, without gradient: from its logits (the
    tensor, or an output that holds them), or, where TRL's SFTTrainer scores tokens through its fused LM
    head and never builds the logits, from that output's per-token log-probabilities (``log_probs`` and
    ``label_mask``: the next-token labels, zero where a label is ignored)."""
    logits = outputs if isinstance(outputs, torch.Tensor) else getattr(outputs, "logits", None)
    with torch.no_grad():
        if logits is not None:
            return token_losses(logits.detach(), labels)
        log_probs, mask = getattr(outputs, "log_probs", None), getattr(outputs, "label_mask", None)
        if log_probs is None or mask is None:
            raise ValueError(f"a {type(outputs).__name__} holds neither logits nor per-token log-probabilities")
        return -log_probs.detach().float().sum(dim=1), mask.sum(dim=1)


def wrong_tokens(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per row, how many scored tokens the model's most likely next token misses under teacher forcing
    ([B]). An answer with none wrong is exactly the one greedy decoding writes, so these counts are
    exact match's own unit, read from the pass that gives the losses."""
    targets = labels[:, 1:]
    counted = targets != IGNORE
    missed = (logits[:, :-1].argmax(dim=-1) != targets) & counted
    return missed.sum(dim=1)


def margin_deficits(logits: torch.Tensor, labels: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """Per row, the summed shortfall of each scored token's logit below the best other token's ([B],
    float32): 0 for a token greedy decoding gets right under teacher forcing, and for a wrong one how
    far it is from being chosen (a log-probability ratio, in nats). A row sums to 0 exactly when greedy
    decoding writes the answer, as :func:`wrong_tokens` counts 0, but the sum also falls while a wrong
    token draws nearer to being right, and not while a right one only grows surer."""
    def shortfall(scores, target):
        own = scores.gather(1, target[:, None]).squeeze(1)
        top = scores.topk(2, dim=-1)
        best_other = torch.where(top.indices[:, 0] == target, top.values[:, 1], top.values[:, 0])
        return (best_other - own).clamp(min=0)

    return _summed_over_scored_tokens(logits, labels, shortfall, chunk)


def wrong_mass(logits: torch.Tensor, labels: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """Per row, the summed probability the model puts on tokens other than each scored label ([B],
    float32): the expected count of wrong tokens when sampling under teacher forcing. A token turning
    from wrong to sure moves it by up to 1; a random answer's digit, whose best probability is a
    hedge over the digits, by at most about 0.1."""
    return _summed_over_scored_tokens(
        logits, labels, lambda scores, target: 1 - scores.softmax(dim=-1).gather(1, target[:, None]).squeeze(1), chunk)


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, so that little compute goes to padding (ties
    in index order)."""
    order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable").tolist()
    return [order[i: i + batch_size] for i in range(0, len(order), batch_size)]


class Mapped(Sequence):
    """``function(items[i])`` for every i, computed when indexed: a lazy list that holds nothing."""

    def __init__(self, items: Sequence, function):
        self.items, self.function = items, function

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.function(self.items[i])


def _forward_batches(model, sequences: Sequence[LabelledSequence], pad_id: int, batches) -> Iterator:
    """(batch positions, logits, labels) for every batch of ``sequences``, the model in eval mode
    and restored afterwards."""
    device = next(model.parameters()).device
    with preserved_state(model):
        for batch in batches:
            input_ids, mask, labels = pad([sequences[i] for i in batch], pad_id, device)
            yield torch.as_tensor(batch), model(input_ids=input_ids, attention_mask=mask).logits, labels


@torch.no_grad()
def mean_losses(model, sequences: Sequence[LabelledSequence], pad_id: int, batch_size: int = 32,
                progress: bool = False, desc: str = "scoring",
                lengths: Sequence[int] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean loss over the labelled tokens of every sequence, and their token counts ([N], [N]).

    A sequence with no labelled token gets NaN. Perplexity is exp(mean loss). With ``lengths`` (every
    sequence's token count, known beforehand) a lazy ``sequences`` is read one batch at a time.
    """
    losses = torch.full((len(sequences),), math.nan, dtype=torch.float64)
    counts = torch.zeros(len(sequences), dtype=torch.long)
    batches = length_batches([len(ids) for ids, _ in sequences] if lengths is None else lengths, batch_size)
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc=desc, unit="batch", leave=False)
    for index, logits, labels in _forward_batches(model, sequences, pad_id, batches):
        total, count = token_losses(logits, labels)
        counts[index] = count.cpu()
        losses[index] = (total.double() / count.double()).cpu().where(count.cpu() > 0, math.nan)
    return losses, counts


@torch.no_grad()
def losses_and_answer_measures(model, sequences: Sequence[LabelledSequence], pad_id: int,
                               batch_size: int = 32) -> torch.Tensor:
    """Per sequence, its mean loss over the labelled tokens, the share of them that :func:`wrong_tokens`
    counts, their mean :func:`margin_deficits` and their mean :func:`wrong_mass`, from one forward
    pass ([N, 4]; NaN for a sequence with no labelled token)."""
    out = torch.full((len(sequences), 4), math.nan, dtype=torch.float64)
    batches = length_batches([len(ids) for ids, _ in sequences], batch_size)
    for index, logits, labels in _forward_batches(model, sequences, pad_id, batches):
        total, count = token_losses(logits, labels)
        scored = torch.stack([total.double(), wrong_tokens(logits, labels).double(),
                              margin_deficits(logits, labels).double(),
                              wrong_mass(logits, labels).double()], dim=1) / count.double()[:, None]
        out[index] = scored.cpu().where(count.cpu()[:, None] > 0, math.nan)
    return out


GRADIENT_NORM_METHODS = ("auto", "hooks", "loop")


def gradient_norms(model, sequences: Sequence[LabelledSequence], pad_id: int, batch_size: int = 32,
                   method: str = "auto") -> torch.Tensor:
    """Per-example L2 norm of the gradient of the mean response loss over all trainable parameters.

    ``hooks``: one batched backward per ``batch_size`` examples, the per-example norms read off module
    hooks (:mod:`hbo.measure.hooked_norms`); ``loop``: one backward per example; ``auto``: hooks when they cover every
    trainable parameter of the model. Both are exact. Gradients come from ``torch.autograd.grad`` and
    never reach ``.grad``, so the training step's gradients stay untouched. Returns [N] float64, NaN
    for an example with no scored token.
    """
    if method not in GRADIENT_NORM_METHODS:
        raise ValueError(f"unknown gradient norm method {method!r}; choose {', '.join(GRADIENT_NORM_METHODS)}")
    hooks = GradientNormHooks(model) if method != "loop" else None
    if hooks is not None and not hooks.supported:
        if method == "hooks":
            raise ValueError(f"gradient norms via hooks do not cover: {', '.join(hooks.unsupported)}")
        hooks = None
    with preserved_state(model):
        if hooks is None:
            return _looped_gradient_norms(model, sequences, pad_id)
        return _hooked_gradient_norms(model, hooks, sequences, pad_id, batch_size)


def _hooked_gradient_norms(model, hooks: GradientNormHooks, sequences, pad_id, batch_size) -> torch.Tensor:
    device = next(model.parameters()).device
    norms = torch.full((len(sequences),), math.nan, dtype=torch.float64)
    for batch in length_batches([len(ids) for ids, _ in sequences], batch_size):
        input_ids, mask, labels = pad([sequences[i] for i in batch], pad_id, device)
        with hooks.recording():
            total, count = token_losses(model(input_ids=input_ids, attention_mask=mask).logits, labels)
            valid = count > 0
            if not torch.any(valid):
                continue
            # Backpropagate to the hooked layer outputs only: the hooks need their gradients, and the
            # weight gradients (a third of a backward) are never formed.
            torch.autograd.grad((total[valid] / count[valid]).sum(), hooks.outputs)
            if not hooks.complete():
                raise RuntimeError("a hooked layer got no gradient; use gradient norm method 'loop'")
            index = torch.as_tensor(batch)[valid.cpu()]
            norms[index] = hooks.squared.cpu()[valid.cpu()].sqrt()
    return norms


def _looped_gradient_norms(model, sequences, pad_id) -> torch.Tensor:
    device = next(model.parameters()).device
    params = [p for p in model.parameters() if p.requires_grad]
    norms = torch.full((len(sequences),), math.nan, dtype=torch.float64)
    for row, sequence in enumerate(sequences):
        input_ids, mask, labels = pad([sequence], pad_id, device)
        total, count = token_losses(model(input_ids=input_ids, attention_mask=mask).logits, labels)
        if int(count) == 0:
            continue
        grads = torch.autograd.grad(total[0] / count[0], params, allow_unused=True)
        norms[row] = float(total_norm([g for g in grads if g is not None]))
    return norms


def total_norm(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """L2 norm of the concatenation of ``tensors`` (0 for none), in float32 or wider."""
    if not tensors:
        return torch.tensor(0.0)
    return torch.stack([t.float().pow(2).sum() for t in tensors]).sum().sqrt()


def total_dot(left: Sequence[torch.Tensor], right: Sequence[torch.Tensor]) -> torch.Tensor:
    """Dot product of the concatenations of ``left`` and ``right`` (tensors paired in order)."""
    return torch.stack([(a * b).sum() for a, b in zip(left, right)]).sum()


def mean_gradient(model, sequences: Sequence[LabelledSequence], pad_id: int, batch_size: int = 32,
                  params: Sequence[torch.nn.Parameter] | None = None) -> list[torch.Tensor]:
    """Gradient of the mean over sequences of their mean response loss, one tensor per parameter in
    ``params`` (default: every trainable one; via ``torch.autograd.grad``: ``.grad`` stays untouched,
    and the backward pass goes no deeper than those parameters). Sequences without a scored token are
    left out. Call inside :func:`preserved_state`."""
    device = next(model.parameters()).device
    params = [p for p in model.parameters() if p.requires_grad] if params is None else list(params)
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
                     pad_id: int, batch_size: int = 32,
                     params: Sequence[torch.nn.Parameter] | None = None) -> torch.Tensor:
    """Cosine between the mean-loss gradient of each group and that of ``reference`` ([G] float64),
    over ``params`` (default: all trainable parameters); NaN for a group whose gradient is zero."""
    cosines = torch.full((len(groups),), math.nan, dtype=torch.float64)
    with preserved_state(model):
        ref = mean_gradient(model, reference, pad_id, batch_size, params)
        ref_norm = total_norm(ref)
        for row, group in enumerate(groups):
            grad = mean_gradient(model, group, pad_id, batch_size, params)
            dot = total_dot(grad, ref)
            norm = total_norm(grad)
            if norm > 0 and ref_norm > 0:
                cosines[row] = float(dot / (norm * ref_norm))
    return cosines


def gradient_dots(model, groups: Sequence[Sequence[LabelledSequence]], references: Sequence[Sequence[LabelledSequence]],
                  weights: Sequence[float], pad_id: int, batch_size: int = 32, unit: bool = False,
                  params: Sequence[torch.nn.Parameter] | None = None) -> torch.Tensor:
    """Dot product of each group's mean-loss gradient (with ``unit``, that gradient over its norm: NaN
    for a zero gradient) with sum_j weights[j] * (reference j's): [len(groups)] float64, over
    ``params`` (default: all trainable parameters). The weighted sum is built first, so two gradients
    are held at a time however many groups there are (the Gram matrix of them all would hold every
    one)."""
    dots = torch.zeros(len(groups), dtype=torch.float64)
    with preserved_state(model):
        target = None
        for reference, weight in zip(references, weights):
            grad = mean_gradient(model, reference, pad_id, batch_size, params)
            if target is None:
                target = [g.mul_(weight) for g in grad]
            else:
                for t, g in zip(target, grad):
                    t.add_(g, alpha=weight)
        if target is None:
            return dots
        for row, group in enumerate(groups):
            grad = mean_gradient(model, group, pad_id, batch_size, params)
            dot = float(total_dot(grad, target))
            if unit:
                norm = float(total_norm(grad))
                dot = dot / norm if norm > 0 else math.nan
            dots[row] = dot
    return dots


def gradient_cross_dots(model, groups: Sequence[Sequence[LabelledSequence]],
                        references: Sequence[Sequence[LabelledSequence]], pad_id: int,
                        batch_size: int = 32, params: Sequence[torch.nn.Parameter] | None = None) -> torch.Tensor:
    """Dot product of each group's mean-loss gradient with each reference's: [len(groups),
    len(references)] float64, over ``params`` (default: all trainable parameters). The references'
    gradients are held (one copy of those parameters in float32 each) and the groups' taken one at a
    time; the products among groups or among references, which a Gram matrix of them all would also
    hold, are not taken."""
    dots = torch.zeros(len(groups), len(references), dtype=torch.float64)
    if not references:
        return dots
    with preserved_state(model):
        held = [mean_gradient(model, reference, pad_id, batch_size, params) for reference in references]
        for row, group in enumerate(groups):
            grad = mean_gradient(model, group, pad_id, batch_size, params)
            for column, reference in enumerate(held):
                dots[row, column] = float(total_dot(grad, reference))
    return dots


def gradient_gram(model, groups: Sequence[Sequence[LabelledSequence]], pad_id: int, batch_size: int = 32,
                  params: Sequence[torch.nn.Parameter] | None = None) -> torch.Tensor:
    """Dot products between the mean-loss gradients of every pair of groups: [G, G] float64, over
    ``params`` (default: all trainable parameters; the diagonal holds the squared norms). One gradient
    per group, each held until the products are taken: G copies of those parameters in float32."""
    with preserved_state(model):
        flat = [torch.cat([g.flatten() for g in mean_gradient(model, group, pad_id, batch_size, params)])
                for group in groups]
    if not flat:
        return torch.zeros((0, 0), dtype=torch.float64)
    stacked = torch.stack(flat)
    return (stacked @ stacked.T).double().cpu()


@torch.no_grad()
def mean_entropies(model, sequences: Sequence[LabelledSequence], pad_id: int, batch_size: int = 32) -> torch.Tensor:
    """Mean over the labelled positions of the entropy (nats) of the model's next-token distribution,
    per sequence: [N] float64, NaN for a sequence with no labelled token."""
    device = next(model.parameters()).device
    out = torch.full((len(sequences),), math.nan, dtype=torch.float64)
    with preserved_state(model):
        for batch in length_batches([len(ids) for ids, _ in sequences], batch_size):
            input_ids, mask, labels = pad([sequences[i] for i in batch], pad_id, device)
            logits = model(input_ids=input_ids, attention_mask=mask).logits[:, :-1]
            counted = labels[:, 1:] != IGNORE
            rows, cols = counted.nonzero(as_tuple=True)
            logp = torch.log_softmax(logits[rows, cols].float(), dim=-1)
            entropy = -(logp.exp() * logp).sum(dim=-1)
            totals = torch.zeros(len(batch), device=device).index_add_(0, rows, entropy)
            counts = counted.sum(dim=1)
            for row, i in enumerate(batch):
                if counts[row] > 0:
                    out[i] = float(totals[row] / counts[row])
    return out


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

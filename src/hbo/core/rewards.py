"""Reward arithmetic over per-example measurements (no model code here)."""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch


def finite_mean(values: torch.Tensor) -> float:
    """Mean of the finite entries; NaN when there are none (the caller then skips that actor)."""
    finite = values[torch.isfinite(values)]
    return float(finite.mean()) if finite.numel() else float("nan")


def group_means(values: torch.Tensor, groups: Sequence[Sequence[int]]) -> list[float]:
    """``values`` holds one measurement per member of ``groups``, concatenated in order; returns
    each group's :func:`finite_mean`."""
    means, start = [], 0
    for group in groups:
        means.append(finite_mean(values[start:start + len(group)]))
        start += len(group)
    return means


def _per_group(before, now, groups: Sequence[Sequence[int]], fall) -> list[float]:
    """``fall(b, n)`` on each group's entries where both losses are finite (NaN for a group with none,
    or where ``fall`` returns None)."""
    before, now = torch.as_tensor(before, dtype=torch.float64), torch.as_tensor(now, dtype=torch.float64)
    falls = []
    for group in groups:
        b, n = before[list(group)], now[list(group)]
        both = torch.isfinite(b) & torch.isfinite(n)
        value = fall(b[both], n[both]) if both.any() else None
        falls.append(float("nan") if value is None else float(value))
    return falls


def relative_fall(before: torch.Tensor, now: torch.Tensor, groups: Sequence[Sequence[int]]) -> list[float]:
    """Per group of positions: (sum before - sum now) / sum before over the entries where both are
    finite, i.e. the share of the group's loss that went away; NaN for a group with no such entry
    or a non-positive loss before. Measured on the same examples twice, so example difficulty cancels."""
    return _per_group(before, now, groups, lambda b, n: (b.sum() - n.sum()) / b.sum() if b.sum() > 0 else None)


def fall_error(kind: str, before: torch.Tensor, now: torch.Tensor, groups: Sequence[Sequence[int]]) -> list[float]:
    """Standard error of a group's fall of the given ``kind`` (``total``: :func:`relative_fall`,
    ``absolute``: :func:`absolute_fall`, ``likelihood``: :func:`likelihood_gain`, where ``before``
    and ``now`` are summed answer losses), taking its examples as independent draws; NaN for a group
    with fewer than two usable entries. Each fall is a mean (or a scaled sum) of per-example terms,
    so its error is the terms' standard deviation over sqrt(m) (times m / sum before for ``total``)."""
    def error(b, n):
        if len(b) < 2:
            return None
        if kind == "total":
            return (b - n).std() * len(b) ** 0.5 / b.sum() if b.sum() > 0 else None
        if kind == "absolute":
            return (b - n).std() / len(b) ** 0.5
        if kind == "likelihood":
            return ((-n).exp() - (-b).exp()).std() / len(b) ** 0.5
        raise ValueError(f"no standard error for the {kind!r} fall; choose total, absolute or likelihood")

    return _per_group(before, now, groups, error)


def beyond_noise(scores: Sequence[float], errors: Sequence[float], threshold: float) -> list[float]:
    """Each score shrunk toward 0 by ``threshold`` of its standard errors, and 0 inside that band
    (soft thresholding): a fall the probe's own scatter could explain counts for nothing, a clear
    one keeps what lies beyond the band. A score without an error estimate (NaN) is kept as it is."""
    shrunk = []
    for score, error in zip(scores, errors):
        if error != error or score != score:
            shrunk.append(score)
        else:
            shrunk.append(math.copysign(max(abs(score) - threshold * error, 0.0), score))
    return shrunk


def in_errors(scores: Sequence[float], errors: Sequence[float]) -> list[float]:
    """Each score over its standard error (a z-score): how clearly the probe tells it from no change,
    rather than how large it is. NaN where there is no positive error estimate (the caller fills it)."""
    return [score / error if error == error and error > 0 else float("nan")
            for score, error in zip(scores, errors)]


def median_relative_fall(before: torch.Tensor, now: torch.Tensor, groups: Sequence[Sequence[int]]) -> list[float]:
    """Per group of positions: the median over its examples of (before - now) / before, over the entries
    where both are finite and before > 0; NaN for a group with none. Unlike :func:`relative_fall`, an
    example whose loss is large and does not fall (a random answer) counts once, not by its size."""
    def median(b, n):
        positive = b > 0
        return ((b[positive] - n[positive]) / b[positive]).quantile(0.5) if positive.any() else None

    return _per_group(before, now, groups, median)


def absolute_fall(before: torch.Tensor, now: torch.Tensor, groups: Sequence[Sequence[int]]) -> list[float]:
    """Per group of positions: the mean over its examples of (before - now), in nats, over the entries
    where both are finite; NaN for a group with none. Unlike :func:`relative_fall`, a group far from
    its floor (a large loss) that falls counts more than one near it falling by the same share, so the
    fall measures how much is still being gained, not only how fast."""
    return _per_group(before, now, groups, lambda b, n: (b - n).mean())


def likelihood_gain(before: torch.Tensor, now: torch.Tensor, groups: Sequence[Sequence[int]]) -> list[float]:
    """Per group of positions, from each example's summed answer loss -log P(answer | prompt): the rise
    in the mean probability of producing the whole answer, mean exp(-now) - mean exp(-before), over
    the entries where both are finite; NaN for a group with none. This is exact match's own unit: an
    answer the model cannot learn (a random one) keeps a probability near 0 and adds nothing however
    its loss moves, and a group already answered almost surely has little left to gain."""
    return _per_group(before, now, groups, lambda b, n: (-n).exp().mean() - (-b).exp().mean())


# heldout_fall's choices: each kind's fall per group of probe positions (see sampling.heldout_fall)
HELDOUT_FALLS = {"total": relative_fall, "median": median_relative_fall, "absolute": absolute_fall,
                 "likelihood": likelihood_gain}


def relative_reward(values: Sequence[float]) -> list[float]:
    """r_k / mean_j r_j: the local reward's normalisation across levels (mean 1).

    Returns NaN everywhere when the mean is not a positive finite number, so the caller skips the
    update instead of dividing by zero.
    """
    r = torch.as_tensor(values, dtype=torch.float64)
    mean = r.mean()
    if not torch.isfinite(mean) or mean <= 0:
        return [float("nan")] * r.numel()
    return (r / mean).tolist()


class ExponentialAverage:
    """R <- beta * R_new + (1 - beta) * R_previous, per arm; the first value passes through."""

    def __init__(self, beta: float):
        if not 0 < beta <= 1:
            raise ValueError(f"EMA beta must be in (0, 1], got {beta}")
        self.beta = beta
        self.value: list[float] | None = None

    def __call__(self, rewards: Sequence[float]) -> list[float]:
        new = torch.as_tensor(rewards, dtype=torch.float64)
        if self.value is not None and torch.all(torch.isfinite(new)):
            new = self.beta * new + (1 - self.beta) * torch.as_tensor(self.value, dtype=torch.float64)
        if torch.all(torch.isfinite(new)):
            self.value = new.tolist()
        return new.tolist()

    def state_dict(self) -> dict:
        return {"value": self.value}

    def load_state_dict(self, state: dict) -> None:
        self.value = state["value"]


def mean_cosine_to_others(embeddings: torch.Tensor) -> list[float]:
    """For each row of ``embeddings`` ([D, H]), its mean cosine similarity to the other rows; 1.0 for
    a single row (nothing to transfer to, nothing to penalise)."""
    e = torch.as_tensor(embeddings, dtype=torch.float64)
    if e.shape[0] == 1:
        return [1.0]
    unit = e / e.norm(dim=1, keepdim=True)
    similarity = unit @ unit.T
    return ((similarity.sum(dim=1) - similarity.diagonal()) / (e.shape[0] - 1)).tolist()


def alignment_with_mean(gram: torch.Tensor) -> list[float]:
    """Cosine of each gradient with the mean of all the unit gradients, from their Gram matrix
    ([G, G] of dot products): the direction that lowers every dataset's loss with equal weight (the
    macro objective), to which no dataset contributes more for having a larger gradient. A zero
    gradient gets NaN, and makes every other cosine NaN too (the caller skips the update)."""
    g = torch.as_tensor(gram, dtype=torch.float64)
    norms = g.diagonal().clamp(min=0).sqrt()
    if not torch.all(norms > 0):
        return [float("nan")] * g.shape[0]
    unit = g / norms[:, None] / norms[None, :]  # dot products of the unit gradients
    return (unit.sum(dim=1) / unit.sum().clamp(min=1e-300).sqrt()).tolist()


def transfer_weights(probe_losses: Sequence[float]) -> list[float] | None:
    """1 / L_j for each development probe's mean loss L_j, or None when one is not positive and finite.
    To first order a step along a training gradient g changes probe j's loss by -lr <g, h_j>, h_j the
    probe's gradient, so <g, sum_j h_j / L_j> is the relative fall of the held-out losses, summed with
    equal weight per probe, that the step buys: the ``transfer`` score. Training and probe gradients
    come from different examples: random answers point in random directions, so an unlearnable
    dataset's own term stays small."""
    losses = torch.as_tensor(probe_losses, dtype=torch.float64)
    if not torch.all(torch.isfinite(losses) & (losses > 0)):
        return None
    return (1 / losses).tolist()


def attributed_falls(falls: Sequence[float], contributions: torch.Tensor) -> list[float]:
    """Each probe's fall handed to the datasets whose training caused it, summed per dataset.

    ``falls[j]`` is probe j's fall; ``contributions[d, j]`` how much training on dataset d lowered probe
    j's loss to first order (its sampling probability times <g_d, h_j>). A positive fall is split among
    the datasets in proportion to their positive contributions; a fall nobody contributed to, a rise
    (a fall at or below 0) and a NaN stay with their own dataset, as the own-probe credit has them.
    A dataset's own probe falls when another dataset teaches the same thing: this credits the teacher.
    """
    c = torch.as_tensor(contributions, dtype=torch.float64).clamp(min=0)
    credit = torch.zeros(c.shape[0], dtype=torch.float64)
    for j, fall in enumerate(falls):
        total = float(c[:, j].sum())
        if fall > 0 and total > 0:
            credit += fall * c[:, j] / total
        else:
            credit[j] += fall
    return credit.tolist()


def tilted_prior(prior: Sequence[float], scores: Sequence[float], sharpness: float) -> list[float]:
    """R_d = prior_d * exp(sharpness * (s_d - max s)): a reward whose fixed point under the actor
    (pi proportional to R) is the prior tilted toward higher scores. Always positive and finite for
    finite scores; NaN everywhere when a score is not finite."""
    s = torch.as_tensor(scores, dtype=torch.float64)
    p = torch.as_tensor(prior, dtype=torch.float64)
    if not torch.all(torch.isfinite(s)):
        return [float("nan")] * s.numel()
    return (p * torch.exp(sharpness * (s - s.max()))).tolist()

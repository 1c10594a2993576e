"""A softmax actor: a learnable distribution over arms (datasets, or levels of one dataset)."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch


class SoftmaxActor:
    """Holds logits psi with pi = softmax(psi) and moves pi toward arms with larger reward.

    An update minimises J(psi) = -sum_i R_i * log pi_i with Adam for ``steps`` inner steps. Its
    gradient is -(R - pi * sum(R)), so the fixed point is pi = R / sum(R): the actor drifts toward
    sampling each arm in proportion to its reward, at a speed set by ``lr`` and ``steps``. Adam's
    moment estimates are kept across updates, as in the reference implementation. The gradient is
    the closed form and Adam (Kingma & Ba, torch's defaults) is written out in float64 NumPy: on a
    handful of arms, autograd and an optimiser object cost ~20x more than the arithmetic.

    ``lr_decay`` > 0 takes the k-th update (k = 1, 2, ... over the updates the actor took) at rate
    ``lr / k ** lr_decay``: each reward is a noisy estimate of where to sample, and steps that shrink
    with the number taken average those estimates (0.5 is the 1/sqrt(k) of stochastic approximation and
    online mirror descent), so the first, clearest moves are the largest and late noise moves little.
    """

    betas = (0.9, 0.999)
    eps = 1e-8

    def __init__(self, prior: Sequence[float], lr: float, steps: int, lr_decay: float = 0.0):
        prior_a = np.asarray(prior, dtype=np.float64)
        if prior_a.ndim != 1 or prior_a.size == 0:
            raise ValueError("an actor needs a non-empty 1-d prior")
        if not np.all(prior_a > 0):
            raise ValueError(f"prior probabilities must be positive, got {prior_a.tolist()}")
        if lr <= 0 or steps < 1:
            raise ValueError(f"actor lr must be > 0 and steps >= 1, got lr={lr}, steps={steps}")
        if not 0 <= lr_decay <= 1:
            raise ValueError(f"actor lr_decay must be in [0, 1], got {lr_decay}")
        # Closed form of softmax^-1: log p, up to a constant that softmax ignores.
        self.logits = np.log(prior_a / prior_a.sum())
        self.lr, self.steps, self.lr_decay = lr, steps, lr_decay
        self.m = np.zeros_like(self.logits)  # Adam's first and second moments, and its step count
        self.v = np.zeros_like(self.logits)
        self.t = 0

    @property
    def probabilities(self) -> torch.Tensor:
        """pi = softmax(psi), float64."""
        return torch.from_numpy(_softmax(self.logits))

    @property
    def current_lr(self) -> float:
        """The rate of the next update: ``lr / k ** lr_decay`` for its number k (``t`` counts inner steps)."""
        return self.lr / (self.t // self.steps + 1) ** self.lr_decay

    def __len__(self) -> int:
        return self.logits.size

    @staticmethod
    def gradient(logits: np.ndarray, reward: np.ndarray) -> np.ndarray:
        """dJ/dpsi of J = -sum R log softmax(psi): -(R - pi * sum R)."""
        return _softmax(logits) * reward.sum() - reward

    def update(self, rewards: Sequence[float] | torch.Tensor, signed: bool = False) -> bool:
        """Run ``steps`` Adam steps on -sum(R * log pi). Returns False (and changes nothing) when
        the rewards cannot define a direction: wrong length, non-finite, or all zero; negative too
        unless ``signed`` (REINFORCE-style rewards such as gradient cosines, where a negative reward
        pushes an arm down; the fixed point R / sum(R) then no longer exists, so steps stay bounded)."""
        reward = np.asarray(torch.as_tensor(rewards, dtype=torch.float64).flatten())
        if reward.size != len(self):
            raise ValueError(f"expected {len(self)} rewards, got {reward.size}")
        if not np.all(np.isfinite(reward)) or not np.any(reward != 0):
            return False
        if not signed and (np.any(reward < 0) or reward.sum() <= 0):
            return False
        # Adam's steps do not depend on the rewards' scale, so dividing by the largest one changes
        # nothing but keeps sums of huge rewards (1e308) from overflowing to inf.
        reward = reward / np.abs(reward).max()
        (b1, b2), logits, m, v = self.betas, self.logits.copy(), self.m.copy(), self.v.copy()
        lr = self.current_lr
        for t in range(self.t + 1, self.t + self.steps + 1):
            g = self.gradient(logits, reward)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            denominator = np.sqrt(v) / math.sqrt(1 - b2 ** t) + self.eps
            logits = logits - (lr / (1 - b1 ** t)) * m / denominator
        self.logits, self.m, self.v, self.t = logits, m, v, self.t + self.steps
        return True

    def state_dict(self) -> dict:
        return {"logits": torch.from_numpy(self.logits.copy()), "m": torch.from_numpy(self.m.copy()),
                "v": torch.from_numpy(self.v.copy()), "t": self.t}

    def load_state_dict(self, state: dict) -> None:
        logits = np.asarray(torch.as_tensor(state["logits"], dtype=torch.float64))
        if logits.shape != self.logits.shape:
            raise ValueError(f"actor state has {logits.size} arms, this actor has {len(self)}")
        self.logits = logits.copy()
        self.m = np.asarray(torch.as_tensor(state["m"], dtype=torch.float64)).copy()
        self.v = np.asarray(torch.as_tensor(state["v"], dtype=torch.float64)).copy()
        self.t = int(state["t"])


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max())
    return e / e.sum()

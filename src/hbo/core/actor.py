"""A softmax actor: a learnable distribution over arms (datasets, or levels of one dataset)."""
from __future__ import annotations

import copy
from collections.abc import Sequence

import torch


class SoftmaxActor:
    """Holds logits psi with pi = softmax(psi) and moves pi toward arms with larger reward.

    An update minimises J(psi) = -sum_i R_i * log pi_i with Adam for ``steps`` inner steps. Its
    gradient is -(R - pi * sum(R)), so the fixed point is pi = R / sum(R): the actor drifts toward
    sampling each arm in proportion to its reward, at a speed set by ``lr`` and ``steps``. Adam's
    moment estimates are kept across updates, as in the reference implementation.
    """

    def __init__(self, prior: Sequence[float], lr: float, steps: int):
        prior_t = torch.as_tensor(prior, dtype=torch.float64)
        if prior_t.ndim != 1 or prior_t.numel() == 0:
            raise ValueError("an actor needs a non-empty 1-d prior")
        if not torch.all(prior_t > 0):
            raise ValueError(f"prior probabilities must be positive, got {prior_t.tolist()}")
        if lr <= 0 or steps < 1:
            raise ValueError(f"actor lr must be > 0 and steps >= 1, got lr={lr}, steps={steps}")
        # Closed form of softmax^-1: log p, up to a constant that softmax ignores.
        self.logits = torch.log(prior_t / prior_t.sum()).requires_grad_(True)
        self.steps = steps
        self.optimizer = torch.optim.Adam([self.logits], lr=lr)

    @property
    def probabilities(self) -> torch.Tensor:
        """pi = softmax(psi), float64, detached."""
        return torch.softmax(self.logits.detach(), dim=0)

    def __len__(self) -> int:
        return self.logits.numel()

    def update(self, rewards: Sequence[float] | torch.Tensor, signed: bool = False) -> bool:
        """Run ``steps`` Adam steps on -sum(R * log pi). Returns False (and changes nothing) when
        the rewards cannot define a direction: wrong length, non-finite, or all zero; negative too
        unless ``signed`` (REINFORCE-style rewards such as gradient cosines, where a negative reward
        pushes an arm down; the fixed point R / sum(R) then no longer exists, so steps stay bounded)."""
        reward = torch.as_tensor(rewards, dtype=torch.float64).flatten()
        if reward.numel() != len(self):
            raise ValueError(f"expected {len(self)} rewards, got {reward.numel()}")
        if not torch.all(torch.isfinite(reward)) or not torch.any(reward != 0):
            return False
        if not signed and (torch.any(reward < 0) or reward.sum() <= 0):
            return False
        # Adam's steps do not depend on the rewards' scale, so dividing by the largest one changes
        # nothing but keeps sums of huge rewards (1e308) from overflowing to inf.
        reward = reward / reward.abs().max()
        for _ in range(self.steps):
            self.optimizer.zero_grad(set_to_none=True)
            loss = -(reward * torch.log_softmax(self.logits, dim=0)).sum()
            loss.backward()
            self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return True

    def state_dict(self) -> dict:
        # Deep copy: Adam's state_dict() hands out its live moment tensors.
        return {"logits": self.logits.detach().clone(), "optimizer": copy.deepcopy(self.optimizer.state_dict())}

    def load_state_dict(self, state: dict) -> None:
        logits = torch.as_tensor(state["logits"], dtype=torch.float64)
        if logits.shape != self.logits.shape:
            raise ValueError(f"actor state has {logits.numel()} arms, this actor has {len(self)}")
        with torch.no_grad():
            self.logits.copy_(logits)
        self.optimizer.load_state_dict(copy.deepcopy(state["optimizer"]))

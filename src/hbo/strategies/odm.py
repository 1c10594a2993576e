"""Online Data Mixing (ODM; Albalak, Pan, Raffel, Wang; 2023, "Efficient Online Data Mixing For
Language Model Pre-Training"): the datasets are the arms of an EXP3 bandit whose reward is the
training loss, so the mixture leans toward what the model still finds hard, while an exploration
rate that decays with the training step keeps every arm in play.

At training step t with K datasets: epsilon_t = min(1/K, sqrt(ln K / (K t))) and
    pi_d = (1 - K epsilon_t) * softmax(epsilon_{t-1} * R_hat)_d + epsilon_t,
where R_hat_d <- alpha * R_hat_d + (1 - alpha) * L_d / pi_d is the smoothed, importance-weighted
loss estimate (alpha = ``smoothing``).

Choices the paper leaves open or that differ at our setting, and ours:
- ODM updates after every step from the loss of the one dataset that step was drawn from; hbo's
  batches mix datasets and strategies update every ``update_interval`` steps, so at every update
  each dataset is one arm pull: L_d is the current mean response loss of ``samples_per_dataset``
  examples drawn from it, importance-weighted by the probability it had;
- t counts training steps (updates x ``update_interval``), as in the paper;
- sampling starts at the temperature prior; after the first update the formula above takes over.
Inside a dataset every example is equally likely.
"""
from __future__ import annotations

import math

import torch

from hbo.core.prior import temperature_prior
from hbo.core.rewards import group_means
from hbo.strategies.base import RewardProbe, Strategy
from hbo.strategies.draws import draw_per_dataset


def exploration_rate(arms: int, step: int) -> float:
    """epsilon_t = min(1/K, sqrt(ln K / (K t))); 1/K before the first step (and for one arm)."""
    if step <= 0 or arms < 2:
        return 1.0 / arms
    return min(1.0 / arms, math.sqrt(math.log(arms) / (arms * step)))


def exp3_probabilities(estimates: torch.Tensor, step: int, previous_step: int) -> torch.Tensor:
    """pi = (1 - K eps_t) softmax(eps_{t-1} R_hat) + eps_t."""
    arms = estimates.numel()
    eps = exploration_rate(arms, step)
    return (1 - arms * eps) * torch.softmax(exploration_rate(arms, previous_step) * estimates, dim=0) + eps


class ODMStrategy(Strategy):

    def __init__(self, levels, config):
        super().__init__(levels)
        self.config = config
        self.global_probs = torch.as_tensor(temperature_prior(self.sizes, config.prior_temperature()),
                                            dtype=torch.float64)
        self.local_probs = self.level_shares()
        self.estimates = torch.zeros(len(self.levels), dtype=torch.float64)
        self.step = 0
        self.generator = torch.Generator().manual_seed(config.seed + 1)

    @property
    def updates(self) -> bool:
        return True

    def probabilities(self):
        return self.global_probs.tolist(), [list(p) for p in self.local_probs]

    def losses(self, probe: RewardProbe) -> list[float]:
        draws = draw_per_dataset(self.levels, self.config.odm.samples_per_dataset, self.generator)
        return group_means(probe.losses([i for group in draws for i in group]), draws)

    def update(self, probe: RewardProbe, step: int) -> dict:
        losses = torch.as_tensor(self.losses(probe), dtype=torch.float64)
        previous_step, self.step = self.step, step
        skipped = []
        if torch.all(torch.isfinite(losses)):
            alpha = self.config.odm.smoothing
            self.estimates = alpha * self.estimates + (1 - alpha) * losses / self.global_probs
            self.global_probs = exp3_probabilities(self.estimates, self.step, previous_step)
        else:
            skipped.append("global")
        return {"global_reward": losses.tolist(), "skipped": skipped}

    def state_dict(self) -> dict:
        return {"global_probs": self.global_probs.clone(), "estimates": self.estimates.clone(), "step": self.step,
                "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.global_probs = torch.as_tensor(state["global_probs"], dtype=torch.float64)
        self.estimates = torch.as_tensor(state["estimates"], dtype=torch.float64)
        self.step = int(state["step"])
        self.generator.set_state(state["generator"])

"""Mixture-of-Skills (MoS; Wu, Vu, Qu, Haffari; EMNLP 2024, "Mixture-of-Skills: Learning to
Optimize Data Usage for Fine-Tuning Large Language Models").

A scorer over datasets, started at the temperature prior and moved by REINFORCE with rewards read
off the model being trained, from three perspectives:
- transferability: how similar a dataset's representation is to the others' (mean cosine of its
  embedding to the other datasets' embeddings), so skills that transfer are favoured;
- difficulty: the current perplexity relative to the base model's, PPL_now / PPL_base, so datasets
  that are not yet learned are favoured;
- learning trajectory: an exponential moving average over the rewards of past updates.
Inside a dataset every example is equally likely.

Choices the paper leaves open, and ours:
- a dataset's embedding is the mean, over ``samples_per_dataset`` drawn examples, of the mean
  last-layer hidden state of the prompt and response tokens;
- the two rewards are put on one scale before they are summed: each is divided by its mean over
  datasets (cosines are first mapped to [0, 1] by (1 + cos) / 2 so the mean is positive);
- ``trajectory`` is the weight of past rewards in the EMA (0.9 by default);
- the scorer network is reduced to its output layer, the same softmax actor as HBO's (Adam,
  ``actor_lr``, ``actor_steps``): a scorer whose input is the dataset id is exactly a logit vector.
"""
from __future__ import annotations

import torch

from hbo.core.rewards import ExponentialAverage, group_means, mean_cosine_to_others, relative_reward
from hbo.strategies.base import DatasetActorStrategy, RewardProbe
from hbo.strategies.draws import draw_per_dataset
from hbo.strategies.hbo import RATIO_RANGE, level_ratio


class MoSStrategy(DatasetActorStrategy):

    def __init__(self, levels, config, base_loss: torch.Tensor):
        super().__init__(levels, config)
        self.base_loss = torch.as_tensor(base_loss, dtype=torch.float64)
        trajectory = config.mos.trajectory
        self.trajectory = ExponentialAverage(1 - trajectory) if trajectory else None

    def transferability(self, probe: RewardProbe, draws: list[list[int]]) -> list[float]:
        hidden = probe.hidden_states([i for group in draws for i in group])
        n = self.config.mos.samples_per_dataset
        embeddings = torch.stack([hidden[d * n:(d + 1) * n].mean(dim=0) for d in range(len(draws))])
        return [(1 + c) / 2 for c in mean_cosine_to_others(embeddings)]

    def difficulty(self, probe: RewardProbe, draws: list[list[int]]) -> list[float]:
        flat = [i for group in draws for i in group]
        ratios = level_ratio("ppl", probe.losses(flat), self.base_loss[torch.as_tensor(flat)]).clamp(*RATIO_RANGE)
        return group_means(ratios, draws)

    def rewards(self, probe: RewardProbe) -> list[float]:
        draws = draw_per_dataset(self.levels, self.config.mos.samples_per_dataset, self.generator)
        parts = {"transferability": self.transferability, "difficulty": self.difficulty}
        total = torch.zeros(len(self.levels), dtype=torch.float64)
        for name in self.config.mos.rewards:
            total += torch.as_tensor(relative_reward(parts[name](probe, draws)), dtype=torch.float64)
        reward = total.tolist()
        return self.trajectory(reward) if self.trajectory else reward

    def state_dict(self) -> dict:
        return {**super().state_dict(), "trajectory": self.trajectory.state_dict() if self.trajectory else None}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        if self.trajectory and state.get("trajectory"):
            self.trajectory.load_state_dict(state["trajectory"])

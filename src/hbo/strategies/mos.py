"""Mixture-of-Skills (MoS; Wu, Vu, Qu, Haffari; EMNLP 2024, "Mixture-of-Skills: Learning to
Optimize Data Usage for Fine-Tuning Large Language Models").

A scorer over datasets, started at the temperature prior and moved by REINFORCE with a reward read
off the model being trained, from one perspective at a time (``sampling.mos.reward``):
- transferability: how similar a dataset's representation is to the others' (mean cosine of its
  embedding to the other datasets' embeddings), so skills that transfer are favoured;
- difficulty: the current perplexity relative to the base model's, PPL_now / PPL_base, so datasets
  that are not yet learned are favoured;
and the learning trajectory on top: an exponential moving average over updates that weights the new
reward by ``trajectory`` (0.9, as the paper and its code) and the previous average by the rest.
Inside a dataset every example is equally likely.

``MoSPlusStrategy`` is the HBO paper's MoS+: the same scorer over every dataset x level arm, so it
balances levels as well as datasets with one flat distribution.

Choices the paper leaves open, and ours:
- a dataset's (or arm's) embedding is the mean, over ``samples_per_dataset`` drawn examples, of the
  mean last-layer hidden state of the prompt and response tokens; cosines are mapped to [0, 1] by
  (1 + cos) / 2 so the reward is positive;
- the reward used by default is transferability (the HBO paper does not say which MoS it ran);
- the scorer network is reduced to its output layer, the same softmax actor as HBO's (Adam,
  ``actor_lr``, ``actor_steps``): a scorer whose input is the dataset id is exactly a logit vector.
"""
from __future__ import annotations

import torch

from hbo.core.actor import SoftmaxActor
from hbo.core.prior import temperature_prior
from hbo.core.rewards import ExponentialAverage, group_means, mean_cosine_to_others
from hbo.strategies.base import DatasetActorStrategy, RewardProbe
from hbo.strategies.draws import draw
from hbo.strategies.hbo import RATIO_RANGE, level_ratio


class MoSStrategy(DatasetActorStrategy):

    def __init__(self, levels, config, base_loss: torch.Tensor):
        super().__init__(levels, config)
        self.base_loss = torch.as_tensor(base_loss, dtype=torch.float64)
        trajectory = config.mos.trajectory
        self.trajectory = ExponentialAverage(trajectory) if trajectory else None

    def arms(self) -> list[list[int]]:
        """The flat indices behind each arm of the scorer: one pool per dataset."""
        return [[i for level in dataset for i in level] for dataset in self.levels]

    def transferability(self, probe: RewardProbe, draws: list[list[int]]) -> list[float]:
        hidden = probe.hidden_states([i for group in draws for i in group])
        embeddings, start = [], 0
        for group in draws:
            embeddings.append(hidden[start:start + len(group)].mean(dim=0))
            start += len(group)
        return [(1 + c) / 2 for c in mean_cosine_to_others(torch.stack(embeddings))]

    def difficulty(self, probe: RewardProbe, draws: list[list[int]]) -> list[float]:
        flat = [i for group in draws for i in group]
        ratios = level_ratio("ppl", probe.losses(flat), self.base_loss[torch.as_tensor(flat)]).clamp(*RATIO_RANGE)
        return group_means(ratios, draws)

    def rewards(self, probe: RewardProbe) -> list[float]:
        draws = [draw(pool, self.config.mos.samples_per_dataset, self.generator) for pool in self.arms()]
        measure = {"transferability": self.transferability, "difficulty": self.difficulty}[self.config.mos.reward]
        reward = measure(probe, draws)
        return self.trajectory(reward) if self.trajectory else reward

    def state_dict(self) -> dict:
        return {**super().state_dict(), "trajectory": self.trajectory.state_dict() if self.trajectory else None}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        if self.trajectory and state.get("trajectory"):
            self.trajectory.load_state_dict(state["trajectory"])


class MoSPlusStrategy(MoSStrategy):
    """MoS over every (dataset, level) arm; the prior is the temperature prior of the datasets split
    over their levels by size, so it starts exactly where the dataset-level strategies start."""

    def __init__(self, levels, config, base_loss: torch.Tensor):
        super().__init__(levels, config, base_loss)
        datasets = temperature_prior(self.sizes, config.prior_temperature())
        prior = [p * share for p, shares in zip(datasets, self.level_shares()) for share in shares]
        self.actor = SoftmaxActor(prior, config.actor_lr, config.actor_steps, config.actor_lr_decay)

    def arms(self) -> list[list[int]]:
        return [level for dataset in self.levels for level in dataset]

    def probabilities(self):
        """The flat distribution over arms as a dataset marginal and per-dataset conditionals."""
        flat, start = self.actor.probabilities.tolist(), 0
        global_probs, local_probs = [], []
        for dataset in self.levels:
            part = flat[start:start + len(dataset)]
            start += len(dataset)
            global_probs.append(sum(part))
            local_probs.append([p / sum(part) for p in part])
        return global_probs, local_probs

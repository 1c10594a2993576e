"""MultiUAT: uncertainty-aware balancing (Wu, Li, Haffari; EMNLP 2021, "Uncertainty-Aware Balancing
for Multilingual and Multi-Domain Neural Machine Translation Training").

A scorer over datasets, started at the temperature prior and moved by REINFORCE, whose reward for a
dataset is the model's uncertainty on it: datasets the model is still unsure about are sampled more,
and as the model grows confident on one, its share falls back. Inside a dataset every example is
equally likely.

Choices the paper leaves open or that differ at our setting, and ours:
- the uncertainty is the mean predictive entropy of the next-token distribution over the response
  tokens (one of the paper's measures; no Monte-Carlo dropout, so a measurement is one forward pass);
- it is measured on ``samples_per_dataset`` examples drawn from each dataset's training data, as
  MultiDDS's development gradient is here, so the held-out sets stay unseen by training;
- the scorer is the same softmax actor as HBO's (Adam, ``actor_lr``, ``actor_steps``).
"""
from __future__ import annotations

from hbo.core.rewards import group_means
from hbo.strategies.base import DatasetActorStrategy, RewardProbe
from hbo.strategies.draws import draw_per_dataset


class MultiUATStrategy(DatasetActorStrategy):

    def rewards(self, probe: RewardProbe) -> list[float]:
        draws = draw_per_dataset(self.levels, self.config.multiuat.samples_per_dataset, self.generator)
        return group_means(probe.entropies([i for group in draws for i in group]), draws)

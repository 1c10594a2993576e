"""MultiDDS: Differentiable Data Selection for multilingual training (Wang, Tsvetkov, Neubig; ACL
2020, "Balancing Training for Multilingual Neural Machine Translation").

One scorer over datasets, started at the temperature prior and moved by REINFORCE: the reward of
dataset d is the cosine between the gradient of the training loss on d and the gradient of the loss
on the development data, so datasets whose updates also help the whole mixture are sampled more.
Inside a dataset every example is equally likely.

Choices the paper leaves open, and ours:
- the "development" gradient is that of the mean loss over ``reference_per_dataset`` training
  examples from every dataset (the macro objective every strategy is judged on), so the held-out
  sets stay unseen by training and the comparison with the other strategies is fair;
- the scorer is the same softmax actor as HBO's (Adam, ``actor_lr``, ``actor_steps``), with signed
  rewards, so the comparison isolates the reward;
- a dataset whose gradient is zero (NaN cosine) makes the update skipped and logged.
"""
from __future__ import annotations

from hbo.strategies.base import DatasetActorStrategy, RewardProbe
from hbo.strategies.draws import draw_per_dataset


class MultiDDSStrategy(DatasetActorStrategy):

    def rewards(self, probe: RewardProbe) -> list[float]:
        groups = draw_per_dataset(self.levels, self.config.multidds.samples_per_dataset, self.generator)
        reference = [i for group in draw_per_dataset(self.levels, self.config.multidds.reference_per_dataset,
                                                     self.generator) for i in group]
        return probe.gradient_cosines(groups, reference).tolist()

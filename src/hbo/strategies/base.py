"""What every sampling strategy provides, and what it may ask of the model being trained."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch

from hbo.core.actor import SoftmaxActor
from hbo.core.prior import temperature_prior


# The columns of ``RewardProbe.losses_and_answer_measures`` after the loss (column 0), by the
# ``heldout_measure`` that reads each
ANSWER_COLUMNS = {"wrong_tokens": 1, "margin": 2, "wrong_mass": 3}


class RewardProbe(Protocol):
    """Model-side measurements a strategy may request, by flat training-example index.

    Implemented by the training glue (see ``hbo.measure.probe.ModelProbe``); a probe must leave the training
    state untouched. Every method returns a float64 tensor with one value per index.
    """

    def gradient_norms(self, indices: Sequence[int]) -> torch.Tensor: ...
    def losses(self, indices: Sequence[int]) -> torch.Tensor: ...
    def losses_and_answer_measures(self, indices: Sequence[int]) -> torch.Tensor:
        """[len(indices), 4]: each example's mean response loss, the share of its response tokens
        whose most likely token is wrong under teacher forcing, their mean margin deficit (how far
        a token's logit is below the best other token's; 0 where it is the most likely), and their
        mean probability left on wrong tokens (1 - p of the right one)."""
    def alone_losses(self, indices: Sequence[int]) -> torch.Tensor: ...
    def response_lengths(self, indices: Sequence[int]) -> torch.Tensor:
        """How many response tokens each example's loss is the mean of (a property of the data)."""
    def gradient_cosines(self, groups: Sequence[Sequence[int]], reference: Sequence[int]) -> torch.Tensor:
        """Cosine of each group's mean-loss gradient with the reference group's: [len(groups)]."""
    def gradient_dots(self, groups: Sequence[Sequence[int]], references: Sequence[Sequence[int]],
                      weights: Sequence[float], unit: bool = False) -> torch.Tensor:
        """Each group's mean-loss gradient (with ``unit``, over its norm) dotted with sum_j weights[j] *
        (reference j's): [len(groups)]."""
    def gradient_cross_dots(self, groups: Sequence[Sequence[int]], references: Sequence[Sequence[int]]) -> torch.Tensor:
        """Each group's mean-loss gradient dotted with each reference's: [len(groups), len(references)]."""
    def gradient_gram(self, groups: Sequence[Sequence[int]]) -> torch.Tensor:
        """Dot products of the groups' mean-loss gradients: [len(groups), len(groups)]."""
    def entropies(self, indices: Sequence[int]) -> torch.Tensor:
        """Mean predictive entropy (nats) over each example's response tokens."""
    def hidden_states(self, indices: Sequence[int]) -> torch.Tensor:
        """Mean last-layer hidden state per example: [len(indices), hidden]."""
    def trained(self) -> tuple[list[int], torch.Tensor, torch.Tensor]:
        """Online rewards: (indices, response losses, gradient norms) of the examples trained on since
        the last update, as measured by the training steps themselves."""


class Strategy:
    """Owns the sampling distributions: over datasets, and over the levels of each dataset.

    ``levels[d][k]`` lists the flat indices of level k of dataset d. ``update`` is called every
    ``update_interval`` training steps and returns the rewards it used, for the run log.
    """


    def __init__(self, levels: Sequence[Sequence[Sequence[int]]]):
        self.levels = [[list(level) for level in dataset] for dataset in levels]
        self.sizes = [sum(len(level) for level in dataset) for dataset in self.levels]
        # What the sampler draws from: the levels less any examples the strategy keeps out of training
        # (a development probe); and that probe, empty unless a strategy carves one.
        self.training_levels = self.levels
        self.probe_levels = [[[] for _ in dataset] for dataset in self.levels]

    def level_shares(self) -> list[list[float]]:
        """Each level's share of its dataset: drawing a level in proportion to its size draws every
        example of the dataset alike (the local distribution of dataset-level strategies)."""
        return [[len(level) / n for level in dataset] for dataset, n in zip(self.levels, self.sizes)]

    def probabilities(self) -> tuple[list[float], list[list[float]]]:
        raise NotImplementedError

    def update(self, probe: RewardProbe, step: int) -> dict:
        """Move the distributions; return what the run log shows: ``{"global_reward": [...],
        "local_reward": [[...]], "skipped": ["global" or dataset index, ...]}`` (any key optional)."""
        return {}

    def start(self, probe: RewardProbe) -> None:
        """Measure what the rewards need from the model before training (called once, at step 0)."""

    def probe_answer_means(self) -> dict[str, list[float | None]] | None:
        """With an answer measure, each dataset's mean of every ``ANSWER_COLUMNS`` measure on its
        development probe as of the last update, by measure name: the share of wrong answer tokens
        (``wrong_tokens``), their margin deficit, how far each token's logit is below the best other
        token's (``margin``), and the probability left on wrong answer tokens, 1 - p of each right
        token (``wrong_mass``); None for a dataset not yet measured, and None in place of the dict
        where the strategy measures none of them."""
        return None

    def probe_loss(self) -> list[float | None] | None:
        """Each dataset's mean development-probe loss as of the last update (the base model's before
        the first; None for a dataset without probe examples), or None for a strategy with no probe.
        Logged beside the mixture: a held-out loss per dataset that training never saw."""
        return None

    @property
    def updates(self) -> bool:
        """Whether ``update`` ever changes anything (static strategies skip the reward work)."""
        return False

    @property
    def reads_training_signals(self) -> bool:
        """Whether ``update`` reads ``probe.trained()``: the losses and gradient norms recorded by the
        training steps themselves, which the controller then records."""
        return False

    @property
    def reads_training_gradient_norms(self) -> bool:
        """Whether those signals must include per-example gradient norms (a hooked backward)."""
        return False

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class DatasetActorStrategy(Strategy):
    """One REINFORCE-moved softmax actor over datasets, started at the temperature prior; inside a
    dataset every example is equally likely. Subclasses say how ``rewards`` are read off the model
    (MultiDDS, MoS); the actor is HBO's (Adam, ``actor_lr``, ``actor_steps``) with signed rewards."""

    def __init__(self, levels, config):
        super().__init__(levels)
        self.config = config
        self.actor = SoftmaxActor(temperature_prior(self.sizes, config.prior_temperature()), config.actor_lr,
                                  config.actor_steps, config.actor_lr_decay)
        self.local_probs = self.level_shares()
        self.generator = torch.Generator().manual_seed(config.seed + 1)

    @property
    def updates(self) -> bool:
        return True

    def probabilities(self):
        return self.actor.probabilities.tolist(), [list(p) for p in self.local_probs]

    def rewards(self, probe: RewardProbe) -> list[float]:
        raise NotImplementedError

    def update(self, probe: RewardProbe, step: int) -> dict:
        reward = self.rewards(probe)
        moved = self.actor.update(reward, signed=True)
        return {"global_reward": reward, "skipped": [] if moved else ["global"]}

    def state_dict(self) -> dict:
        return {"actor": self.actor.state_dict(), "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.actor.load_state_dict(state["actor"])
        self.generator.set_state(state["generator"])

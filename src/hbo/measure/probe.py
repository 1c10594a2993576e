"""The model probe: the measurements strategies read their rewards from (``RewardProbe``), taken on
the model being trained, by flat training-example index."""
from __future__ import annotations

from collections.abc import Sequence

import torch

from hbo.data.encoding import IGNORE
from hbo.data.mixture import FlatTrainSet
from hbo.measure.distributed import split_rows
from hbo.measure.examples import (alone_sequence, conditional_sequence, gradient_cosines, gradient_cross_dots,
                                  gradient_dots, gradient_gram, gradient_norms, losses_and_answer_measures,
                                  mean_entropies, mean_hidden_states, mean_losses)
from hbo.measure.signals import TrainingSignals
from hbo.measure.trailing_blocks import gradient_parameters


class ModelProbe:
    """Measurements of the model being trained, by flat example index (see ``RewardProbe``). In a
    distributed run every process measures its share and receives all results (:mod:`hbo.measure.distributed`)."""

    def __init__(self, model, train_set: FlatTrainSet, pad_id: int, header: list[int], batch_size: int = 32,
                 gradient_norm_method: str = "auto", signals: TrainingSignals | None = None,
                 reward_tokens: str = "response", gradient_blocks: int | None = None):
        self.model, self.train_set = model, train_set
        self.pad_id, self.header, self.batch_size = pad_id, header, batch_size  # header: response_header_ids
        self.gradient_norm_method, self.signals = gradient_norm_method, signals
        self.reward_tokens = reward_tokens  # response, or all: the gradient norms' loss covers the prompt too
        self.gradient_blocks = gradient_blocks  # gradient products over the last N blocks only (None: all)

    @property
    def gradient_parameters(self) -> list[torch.nn.Parameter]:
        """What the gradient products (cosines, dots, Gram matrices) are taken over."""
        return gradient_parameters(self.model, self.gradient_blocks)

    def _conditional(self, indices: Sequence[int]):
        return [conditional_sequence(self.train_set.examples[i]) for i in indices]

    def _scored(self, indices: Sequence[int]):
        """What the gradient-norm reward's loss covers: the response, or every token (the authors' code)."""
        if self.reward_tokens == "all":
            return [(ids, ids) for ids in (self.train_set.examples[i].input_ids for i in indices)]
        return self._conditional(indices)

    def gradient_norms(self, indices: Sequence[int]) -> torch.Tensor:
        return split_rows(lambda share: gradient_norms(self.model, self._scored(share), self.pad_id,
                                                       self.batch_size, self.gradient_norm_method), indices)

    def trained(self) -> tuple[list[int], torch.Tensor, torch.Tensor]:
        """(indices, response losses, gradient norms) of the examples trained on since the last update,
        by every process."""
        if self.signals is None:
            raise RuntimeError("online rewards need training signals (sampling.reward_source: train)")
        indices, losses, norms = self.signals.gathered()
        return indices, torch.tensor(losses, dtype=torch.float64), torch.tensor(norms, dtype=torch.float64)

    def losses(self, indices: Sequence[int]) -> torch.Tensor:
        return split_rows(lambda share: mean_losses(self.model, self._conditional(share), self.pad_id,
                                                    self.batch_size)[0], indices)

    def losses_and_answer_measures(self, indices: Sequence[int]) -> torch.Tensor:
        """[N, 4]: each example's mean response loss, the share of its response tokens whose greedy
        choice is wrong under teacher forcing, their mean margin deficit and their mean probability
        left on wrong tokens, from one pass."""
        return split_rows(lambda share: losses_and_answer_measures(self.model, self._conditional(share), self.pad_id,
                                                                   self.batch_size), indices)

    def response_lengths(self, indices: Sequence[int]) -> torch.Tensor:
        """Scored tokens per example in ``losses`` (labels after the shift by one)."""
        return torch.tensor([sum(1 for t in conditional_sequence(self.train_set.examples[i])[1][1:] if t != IGNORE)
                             for i in indices], dtype=torch.float64)

    def alone_losses(self, indices: Sequence[int]) -> torch.Tensor:
        def measure(share):
            sequences = [alone_sequence(self.train_set.examples[i], self.header) for i in share]
            return mean_losses(self.model, sequences, self.pad_id, self.batch_size)[0]
        return split_rows(measure, indices)

    def gradient_cosines(self, groups: Sequence[Sequence[int]], reference: Sequence[int]) -> torch.Tensor:
        # split by group; every process takes the reference gradient itself
        params = self.gradient_parameters
        return split_rows(lambda share: gradient_cosines(self.model, [self._conditional(g) for g in share],
                                                         self._conditional(reference), self.pad_id,
                                                         self.batch_size, params), groups)

    def gradient_dots(self, groups: Sequence[Sequence[int]], references: Sequence[Sequence[int]],
                      weights: Sequence[float], unit: bool = False) -> torch.Tensor:
        # split by group; every process builds the weighted sum of the references' gradients itself
        references, params = [self._conditional(r) for r in references], self.gradient_parameters
        return split_rows(lambda share: gradient_dots(self.model, [self._conditional(g) for g in share], references,
                                                      weights, self.pad_id, self.batch_size, unit, params), groups)

    def gradient_cross_dots(self, groups: Sequence[Sequence[int]], references: Sequence[Sequence[int]]) -> torch.Tensor:
        # split by group; every process takes every reference's gradient itself
        references, params = [self._conditional(r) for r in references], self.gradient_parameters
        return split_rows(lambda share: gradient_cross_dots(self.model, [self._conditional(g) for g in share],
                                                            references, self.pad_id, self.batch_size, params), groups)

    def gradient_gram(self, groups: Sequence[Sequence[int]]) -> torch.Tensor:
        # every process takes every group's gradient: the products need all of them
        return gradient_gram(self.model, [self._conditional(g) for g in groups], self.pad_id, self.batch_size,
                             self.gradient_parameters)

    def entropies(self, indices: Sequence[int]) -> torch.Tensor:
        return split_rows(lambda share: mean_entropies(self.model, self._conditional(share), self.pad_id,
                                                       self.batch_size), indices)

    def hidden_states(self, indices: Sequence[int]) -> torch.Tensor:
        return split_rows(lambda share: mean_hidden_states(self.model, self._conditional(share), self.pad_id,
                                                           self.batch_size), indices)

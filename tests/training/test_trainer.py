"""The Trainer glue's own arithmetic, without a Trainer."""
from types import SimpleNamespace

import pytest

from hbo.training.trainer import MixtureTrainerMixin


@pytest.mark.parametrize("world_size, accumulation", [(1, 1), (2, 1), (1, 4)])
def test_logged_epoch_is_examples_drawn_over_training_examples(world_size, accumulation):
    # 2 datasets of 30 + 10 training examples (probe already carved out): 40 examples per pass
    strategy = SimpleNamespace(training_levels=[[list(range(10)), list(range(10, 30))], [list(range(30, 40))]])
    trainer = SimpleNamespace(controller=SimpleNamespace(strategy=strategy), state=SimpleNamespace(global_step=5),
                              args=SimpleNamespace(train_batch_size=4, gradient_accumulation_steps=accumulation,
                                                   world_size=world_size))
    # 5 steps x 4 examples x accumulation x world size drawn, over 40 training examples
    assert MixtureTrainerMixin.mixture_epochs(trainer) == pytest.approx(5 * 4 * accumulation * world_size / 40)

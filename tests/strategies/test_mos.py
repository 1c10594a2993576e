import math

import pytest
import torch

from hbo.config import SamplingConfig
from hbo.strategies import make_strategy
from tests.helpers.probes import LEVELS, FakeProbe, TrainedProbe, softmax  # noqa: F401


def test_mos_update_by_hand():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(strategy="mos", actor_lr=0.1, actor_steps=1)
    strategy = make_strategy(cfg, LEVELS, base, base)
    # losses: base + log 2 on indices 2, 3 (half of dataset 0), base elsewhere. Draws are random, so
    # use a probe whose ratio is 2 for every example of dataset 0 and 1 for dataset 1.
    probe = FakeProbe(base)
    probe.losses = lambda idx: torch.tensor([0.5 + (math.log(2) if i < 4 else 0.0) for i in idx], dtype=torch.float64)
    record = strategy.update(probe, 25)
    # transferability: both datasets have cosine 1/sqrt(2) to the other -> relative (1, 1);
    # difficulty: PPL ratios (2, 1) -> relative (4/3, 2/3); summed: (7/3, 5/3)
    assert record["global_reward"] == pytest.approx([7 / 3, 5 / 3])
    # dJ/dpsi = -(R - pi sum R) = -((7/3, 5/3) - (2/3, 1/3) * 4) = (1/3, -1/3)
    g, _ = strategy.probabilities()
    assert g == pytest.approx(softmax([math.log(4 / 6) - 0.1, math.log(2 / 6) + 0.1]), rel=1e-6)
    # learning trajectory: the next rewards are 0.1 * new + 0.9 * previous
    probe.losses = lambda idx: torch.tensor([0.5 + (math.log(2) if i >= 4 else 0.0) for i in idx], dtype=torch.float64)
    record = strategy.update(probe, 25)
    assert record["global_reward"] == pytest.approx([0.1 * 5 / 3 + 0.9 * 7 / 3, 0.1 * 7 / 3 + 0.9 * 5 / 3])

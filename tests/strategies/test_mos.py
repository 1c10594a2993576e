import math

import pytest
import torch

from hbo.config import SamplingConfig
from hbo.strategies import make_strategy
from tests.helpers.probes import LEVELS, FakeProbe, softmax


def test_mos_transferability_by_hand():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(strategy="mos", actor_lr=0.1, actor_steps=1)
    strategy = make_strategy(cfg, LEVELS, base, base)
    record = strategy.update(FakeProbe(base), 25)
    # both datasets have cosine 1/sqrt(2) to the other: reward (1 + cos) / 2 for each
    r = (1 + 1 / math.sqrt(2)) / 2
    assert record["global_reward"] == pytest.approx([r, r])
    # dJ/dpsi = pi * sum R - R = (2/3 * 2r - r, 1/3 * 2r - r) = (r/3, -r/3): Adam's first step moves
    # each logit by lr against the sign of its gradient
    g, _ = strategy.probabilities()
    assert g == pytest.approx(softmax([math.log(4 / 6) - 0.1, math.log(2 / 6) + 0.1]), rel=1e-6)


def test_mos_difficulty_and_learning_trajectory_by_hand():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(strategy="mos", actor_lr=0.1, actor_steps=1)
    cfg.mos.reward = "difficulty"
    strategy = make_strategy(cfg, LEVELS, base, base)
    probe = FakeProbe(base)
    # PPL now / base = 2 on every example of dataset 0, 1 on dataset 1
    probe.losses = lambda idx: torch.tensor([0.5 + (math.log(2) if i < 4 else 0.0) for i in idx], dtype=torch.float64)
    assert strategy.update(probe, 25)["global_reward"] == pytest.approx([2.0, 1.0])
    # (2, 1) is proportional to the prior (2/3, 1/3): the gradient is zero and nothing moves
    assert strategy.probabilities()[0] == pytest.approx([4 / 6, 2 / 6])
    # the trajectory weights the new reward by 0.9 and the previous one by 0.1
    probe.losses = lambda idx: torch.tensor([0.5 + (math.log(2) if i >= 4 else 0.0) for i in idx], dtype=torch.float64)
    assert strategy.update(probe, 50)["global_reward"] == pytest.approx([0.9 * 1 + 0.1 * 2, 0.9 * 2 + 0.1 * 1])


def test_mos_plus_has_one_arm_per_dataset_and_level():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(strategy="mos-plus", actor_lr=0.1, actor_steps=1)
    cfg.mos.reward, cfg.mos.trajectory = "difficulty", None
    strategy = make_strategy(cfg, LEVELS, base, base)
    # starts where the dataset-level strategies start: the prior split over levels by size
    g, local = strategy.probabilities()
    assert g == pytest.approx([4 / 6, 2 / 6]) and local == [pytest.approx([0.5, 0.5])] * 2
    record = strategy.update(FakeProbe(base), 25)  # level 1 of dataset 0 (indices 2, 3) has ratio 2
    assert record["global_reward"] == pytest.approx([1.0, 2.0, 1.0, 1.0])
    # arms (1/3, 1/3, 1/6, 1/6), sum R = 5: gradient (2/3, -1/3, -1/6, -1/6)
    arms = softmax([math.log(1 / 3) - 0.1, math.log(1 / 3) + 0.1, math.log(1 / 6) + 0.1, math.log(1 / 6) + 0.1])
    g, local = strategy.probabilities()
    assert g == pytest.approx([arms[0] + arms[1], arms[2] + arms[3]], rel=1e-6)
    assert local[0] == pytest.approx([arms[0] / (arms[0] + arms[1]), arms[1] / (arms[0] + arms[1])], rel=1e-6)
    assert local[1] == pytest.approx([0.5, 0.5])

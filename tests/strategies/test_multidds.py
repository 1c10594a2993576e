import math

import pytest

from hbo.config import SamplingConfig
from hbo.strategies import make_strategy
from tests.helpers.probes import LEVELS, FakeProbe, softmax


def test_multidds_update_by_hand():
    # Cosines (0.5, -0.5) sum to 0, so dJ/dpsi = -(R - pi * sum R) = (-0.5, 0.5): Adam's first step moves
    # each logit by exactly lr against the sign of its gradient.
    cfg = SamplingConfig(strategy="multidds", actor_lr=0.1, actor_steps=1)
    strategy = make_strategy(cfg, LEVELS, None, None)
    probe = FakeProbe(None)
    record = strategy.update(probe, 25)
    assert record["global_reward"] == [0.5, -0.5] and record["skipped"] == []
    g, local = strategy.probabilities()
    assert g == pytest.approx(softmax([math.log(4 / 6) + 0.1, math.log(2 / 6) - 0.1]), rel=1e-6)
    assert local == [[0.5, 0.5], [0.5, 0.5]]
    # one group of training examples per dataset; the reference mixes every dataset
    assert all(i < 4 for i in probe.groups[0]) and all(i >= 4 for i in probe.groups[1])
    assert len(probe.groups[0]) == cfg.multidds.samples_per_dataset
    assert {i < 4 for i in probe.reference} == {True, False}

import math

import pytest

from hbo.config import SamplingConfig
from hbo.strategies import make_strategy
from tests.helpers.probes import LEVELS, FakeProbe, softmax


def test_multiuat_update_by_hand():
    cfg = SamplingConfig(strategy="multiuat", actor_lr=0.1, actor_steps=1)
    strategy = make_strategy(cfg, LEVELS, None, None)
    probe = FakeProbe(None)
    record = strategy.update(probe, 25)
    assert record["global_reward"] == pytest.approx([1.0, 3.0])  # mean entropies of the draws
    # dJ/dpsi = pi * sum R - R = (8/3 - 1, 4/3 - 3): the uncertain dataset 1 gains
    g, _ = strategy.probabilities()
    assert g == pytest.approx(softmax([math.log(4 / 6) - 0.1, math.log(2 / 6) + 0.1]), rel=1e-6)

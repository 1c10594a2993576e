import math

import pytest
import torch

from hbo.config import SamplingConfig
from hbo.strategies import make_strategy
from tests.helpers.probes import LEVELS, FakeProbe, softmax


def test_odm_update_by_hand():
    cfg = SamplingConfig(strategy="odm", update_interval=10)
    cfg.odm.smoothing = 0.5
    strategy = make_strategy(cfg, LEVELS, None, None)
    probe = FakeProbe(None)
    probe.losses = lambda idx: torch.tensor([1.0 if i < 4 else 2.0 for i in idx], dtype=torch.float64)
    assert strategy.probabilities()[0] == pytest.approx([4 / 6, 2 / 6])
    record = strategy.update(probe, 10)
    assert record["global_reward"] == [1.0, 2.0]
    # R_hat = 0.5 * 0 + 0.5 * L / pi = (0.75, 3.0); step 10: eps = sqrt(ln 2 / 20); previous eps = 1/2
    eps = math.sqrt(math.log(2) / 20)
    expected = [(1 - 2 * eps) * p + eps for p in softmax([0.5 * 0.75, 0.5 * 3.0])]
    assert strategy.probabilities()[0] == pytest.approx(expected, rel=1e-12)
    # second update: step 20, the exponent uses eps_10
    pi = expected
    r_hat = [0.5 * 0.75 + 0.5 * 1.0 / pi[0], 0.5 * 3.0 + 0.5 * 2.0 / pi[1]]
    eps20 = math.sqrt(math.log(2) / 40)
    strategy.update(probe, 20)
    expected = [(1 - 2 * eps20) * p + eps20 for p in softmax([eps * r for r in r_hat])]
    assert strategy.probabilities()[0] == pytest.approx(expected, rel=1e-12)

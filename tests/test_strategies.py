import math

import pytest
import torch

from hbo.config import SamplingConfig
from hbo.strategies import make_strategy
from hbo.strategies.hbo import HBOStrategy, level_ratio

LEVELS = [[[0, 1], [2, 3]], [[4], [5]]]


class FakeProbe:
    """Gradient norm = index + 1; current loss = base loss + log(2) on level 1 examples of dataset 0."""

    def __init__(self, base):
        self.base = base

    def gradient_norms(self, indices):
        return torch.tensor([i + 1.0 for i in indices], dtype=torch.float64)

    def losses(self, indices):
        return torch.tensor([self.base[i] + (math.log(2) if i in (2, 3) else 0.0) for i in indices],
                            dtype=torch.float64)

    def alone_losses(self, indices):
        return torch.zeros(len(indices), dtype=torch.float64)


def test_static_strategies():
    cfg = SamplingConfig(strategy="proportional")
    g, local = make_strategy(cfg, LEVELS, None, None).probabilities()
    assert g == pytest.approx([4 / 6, 2 / 6]) and local == [[0.5, 0.5], [0.5, 0.5]]
    g, _ = make_strategy(SamplingConfig(strategy="uniform"), LEVELS, None, None).probabilities()
    assert g == pytest.approx([0.5, 0.5])


def test_hbo_rewards_by_hand():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(global_samples_per_level=50, local_samples_per_level=50, actor_lr=0.05, actor_steps=50)
    strategy = HBOStrategy(LEVELS, cfg, base, base)
    record = strategy.update(FakeProbe(base))
    # dataset 1 draws indices 4 and 5 equally often in expectation: norms 5 and 6 -> ~5.5; dataset 0 ~2.5
    g_reward = record["global_reward"]
    assert 2.0 < g_reward[0] < 3.0 and 5.0 < g_reward[1] < 6.0
    # ppl ratios: dataset 0 level 0 -> 1, level 1 -> 2; normalised by their mean 1.5
    assert record["local_reward"][0] == pytest.approx([2 / 3, 4 / 3])
    assert record["local_reward"][1] == pytest.approx([1.0, 1.0])
    g, local = strategy.probabilities()
    assert g[1] > 2 / 6  # moved toward the larger gradient norm
    assert local[0][1] > 0.5 and local[1] == pytest.approx([0.5, 0.5])


def test_level_ratio_kinds():
    now, base = torch.tensor([1.0]), torch.tensor([2.0])
    assert level_ratio("ppl", now, base).item() == pytest.approx(math.exp(-1))
    assert level_ratio("loss", now, base).item() == pytest.approx(0.5)
    assert level_ratio("ifd", now, base, torch.tensor([0.5]), torch.tensor([0.5])).item() == pytest.approx(math.exp(-1))


def test_hbo_state_roundtrip():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig()
    a = HBOStrategy(LEVELS, cfg, base, base)
    a.update(FakeProbe(base))
    b = HBOStrategy(LEVELS, cfg, base, base)
    b.load_state_dict(a.state_dict())
    a.update(FakeProbe(base))
    b.update(FakeProbe(base))
    assert a.probabilities() == b.probabilities()


def test_unknown_strategy():
    with pytest.raises(ValueError, match="unknown sampling.strategy"):
        make_strategy(SamplingConfig(strategy="doremi"), LEVELS, None, None)

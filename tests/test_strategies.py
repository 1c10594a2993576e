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

    def gradient_cosines(self, groups, reference):
        self.groups, self.reference = groups, reference
        return torch.tensor([0.5, -0.5], dtype=torch.float64)

    def hidden_states(self, indices):
        """Dataset 0's examples embed as (1, 0), dataset 1's as (1, 1): cosine 1 / sqrt(2)."""
        return torch.tensor([[1.0, 0.0] if i < 4 else [1.0, 1.0] for i in indices], dtype=torch.float64)


def softmax(logits):
    exp = [math.exp(x) for x in logits]
    return [e / sum(exp) for e in exp]


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


def test_ablations_freeze_one_level_of_the_hierarchy():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(actor_lr=0.05, actor_steps=20)
    global_only = make_strategy(SamplingConfig(strategy="hbo-global", actor_lr=0.05, actor_steps=20), LEVELS, base, base)
    record = global_only.update(FakeProbe(base))
    g, local = global_only.probabilities()
    assert g[1] > 2 / 6 and local == [[0.5, 0.5], [0.5, 0.5]] and record["local_reward"] is None
    local_only = make_strategy(SamplingConfig(strategy="hbo-local", actor_lr=0.05, actor_steps=20), LEVELS, base, base)
    record = local_only.update(FakeProbe(base))
    g, local = local_only.probabilities()
    assert g == pytest.approx([4 / 6, 2 / 6], abs=1e-12) and local[0][1] > 0.5 and record["global_reward"] is None
    assert cfg.prior_temperature() == 1.0


def test_temperature_strategy_defaults_to_t5():
    cfg = SamplingConfig(strategy="temperature")
    g, _ = make_strategy(cfg, LEVELS, None, None).probabilities()
    expected = [4 ** 0.2 / (4 ** 0.2 + 2 ** 0.2), 2 ** 0.2 / (4 ** 0.2 + 2 ** 0.2)]
    assert g == pytest.approx(expected)
    g, _ = make_strategy(SamplingConfig(strategy="temperature", temperature=1.0), LEVELS, None, None).probabilities()
    assert g == pytest.approx([4 / 6, 2 / 6])


def test_multidds_update_by_hand():
    # Cosines (0.5, -0.5) sum to 0, so dJ/dpsi = -(R - pi * sum R) = (-0.5, 0.5): Adam's first step moves
    # each logit by exactly lr against the sign of its gradient.
    cfg = SamplingConfig(strategy="multidds", actor_lr=0.1, actor_steps=1)
    strategy = make_strategy(cfg, LEVELS, None, None)
    probe = FakeProbe(None)
    record = strategy.update(probe)
    assert record["global_reward"] == [0.5, -0.5] and record["skipped"] == []
    g, local = strategy.probabilities()
    assert g == pytest.approx(softmax([math.log(4 / 6) + 0.1, math.log(2 / 6) - 0.1]), rel=1e-6)
    assert local == [[0.5, 0.5], [0.5, 0.5]]
    # one group of training examples per dataset; the reference mixes every dataset
    assert all(i < 4 for i in probe.groups[0]) and all(i >= 4 for i in probe.groups[1])
    assert len(probe.groups[0]) == cfg.multidds.samples_per_dataset
    assert {i < 4 for i in probe.reference} == {True, False}


def test_mos_update_by_hand():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(strategy="mos", actor_lr=0.1, actor_steps=1)
    strategy = make_strategy(cfg, LEVELS, base, base)
    # losses: base + log 2 on indices 2, 3 (half of dataset 0), base elsewhere. Draws are random, so
    # use a probe whose ratio is 2 for every example of dataset 0 and 1 for dataset 1.
    probe = FakeProbe(base)
    probe.losses = lambda idx: torch.tensor([0.5 + (math.log(2) if i < 4 else 0.0) for i in idx], dtype=torch.float64)
    record = strategy.update(probe)
    # transferability: both datasets have cosine 1/sqrt(2) to the other -> relative (1, 1);
    # difficulty: PPL ratios (2, 1) -> relative (4/3, 2/3); summed: (7/3, 5/3)
    assert record["global_reward"] == pytest.approx([7 / 3, 5 / 3])
    # dJ/dpsi = -(R - pi sum R) = -((7/3, 5/3) - (2/3, 1/3) * 4) = (1/3, -1/3)
    g, _ = strategy.probabilities()
    assert g == pytest.approx(softmax([math.log(4 / 6) - 0.1, math.log(2 / 6) + 0.1]), rel=1e-6)
    # learning trajectory: the next rewards are 0.1 * new + 0.9 * previous
    probe.losses = lambda idx: torch.tensor([0.5 + (math.log(2) if i >= 4 else 0.0) for i in idx], dtype=torch.float64)
    record = strategy.update(probe)
    assert record["global_reward"] == pytest.approx([0.1 * 5 / 3 + 0.9 * 7 / 3, 0.1 * 7 / 3 + 0.9 * 5 / 3])


def test_odm_update_by_hand():
    cfg = SamplingConfig(strategy="odm", update_interval=10)
    cfg.odm.smoothing = 0.5
    strategy = make_strategy(cfg, LEVELS, None, None)
    probe = FakeProbe(None)
    probe.losses = lambda idx: torch.tensor([1.0 if i < 4 else 2.0 for i in idx], dtype=torch.float64)
    assert strategy.probabilities()[0] == pytest.approx([4 / 6, 2 / 6])
    record = strategy.update(probe)
    assert record["global_reward"] == [1.0, 2.0]
    # R_hat = 0.5 * 0 + 0.5 * L / pi = (0.75, 3.0); step 10: eps = sqrt(ln 2 / 20); previous eps = 1/2
    eps = math.sqrt(math.log(2) / 20)
    expected = [(1 - 2 * eps) * p + eps for p in softmax([0.5 * 0.75, 0.5 * 3.0])]
    assert strategy.probabilities()[0] == pytest.approx(expected, rel=1e-12)
    # second update: step 20, the exponent uses eps_10
    pi = expected
    r_hat = [0.5 * 0.75 + 0.5 * 1.0 / pi[0], 0.5 * 3.0 + 0.5 * 2.0 / pi[1]]
    eps20 = math.sqrt(math.log(2) / 40)
    strategy.update(probe)
    expected = [(1 - 2 * eps20) * p + eps20 for p in softmax([eps * r for r in r_hat])]
    assert strategy.probabilities()[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", ["hbo", "multidds", "mos", "odm"])
def test_state_roundtrip_continues_identically(name):
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(strategy=name, actor_steps=5)
    a = make_strategy(cfg, LEVELS, base, base)
    a.update(FakeProbe(base))
    b = make_strategy(cfg, LEVELS, base, base)
    b.load_state_dict(a.state_dict())
    a.update(FakeProbe(base))
    b.update(FakeProbe(base))
    assert a.probabilities() == b.probabilities()


def test_unknown_strategy():
    with pytest.raises(ValueError, match="unknown sampling.strategy"):
        make_strategy(SamplingConfig(strategy="doremi"), LEVELS, None, None)


class TrainedProbe:
    """Online measurements: what the training steps recorded since the last update."""

    def __init__(self, indices, losses, norms):
        self.record = (list(indices), torch.tensor(losses, dtype=torch.float64), torch.tensor(norms, dtype=torch.float64))

    def trained(self):
        return self.record


def test_online_hbo_rewards_by_hand():
    """Levels with no trained example keep their last mean; never-measured ones count as the mean
    of their peers; NaN measurements (losses-only steps) are left out."""
    base = torch.full((6,), 0.5, dtype=torch.float64)
    strategy = HBOStrategy(LEVELS, SamplingConfig(reward_source="train", actor_steps=5), base, base)
    two = 0.5 + math.log(2)
    # update 1: dataset 0 level 0 (norms 1, 3 -> 2) and level 1 (norm 6, ratio 2); dataset 1 unseen
    record = strategy.update(TrainedProbe([0, 1, 2, 3], [0.5, 0.5, two, two], [1.0, 3.0, 6.0, math.nan]))
    assert record["global_reward"] == pytest.approx([4.0, 4.0])  # mean of levels (2 + 6) / 2; dataset 1 -> peers
    assert record["local_reward"][0] == pytest.approx([2 / 3, 4 / 3])
    assert all(math.isnan(r) for r in record["local_reward"][1])  # never measured: that actor is skipped
    assert record["skipped"] == [1]
    # update 2: only dataset 1 level 1 is trained on; dataset 0 keeps its last means
    record = strategy.update(TrainedProbe([5], [0.5], [10.0]))
    assert record["global_reward"] == pytest.approx([4.0, 10.0])
    assert record["local_reward"][0] == pytest.approx([2 / 3, 4 / 3])
    assert record["local_reward"][1] == pytest.approx([1.0, 1.0])  # level 0 takes level 1's mean
    state = strategy.state_dict()
    resumed = HBOStrategy(LEVELS, SamplingConfig(reward_source="train", actor_steps=5), base, base)
    resumed.load_state_dict(state)
    assert resumed.update(TrainedProbe([], [], [])) == strategy.update(TrainedProbe([], [], []))

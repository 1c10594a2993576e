
import pytest
import torch

from hbo.config import SamplingConfig
from hbo.strategies import STRATEGIES, make_strategy
from tests.helpers.probes import LEVELS, FakeProbe


@pytest.mark.parametrize("name", ["hbo", "multidds", "multiuat", "mos", "mos-plus", "odm"])
def test_state_roundtrip_continues_identically(name):
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(strategy=name, actor_steps=5, reward_source="offline")  # FakeProbe measures offline
    a = make_strategy(cfg, LEVELS, base, base)
    a.update(FakeProbe(base), 25)
    b = make_strategy(cfg, LEVELS, base, base)
    b.load_state_dict(a.state_dict())
    a.update(FakeProbe(base), 25)
    b.update(FakeProbe(base), 25)
    assert a.probabilities() == b.probabilities()


@pytest.mark.parametrize("draw", ["average", "actor"])
@pytest.mark.parametrize("name", list(STRATEGIES))
def test_a_strategy_draws_from_the_mean_exactly_where_draws_from_the_mean_says(name, draw):
    """``draws_from_the_mean`` answers for the commands that read a run back (``hbo shares``); the
    strategy decides for itself what it draws from. They must agree for every registered strategy."""
    from hbo.strategies import draws_from_the_mean

    base = torch.full((6,), 0.5, dtype=torch.float64)
    shares = {"a": 1.0, "b": 1.0} if STRATEGIES[name].needs_shares else None
    cfg = SamplingConfig(strategy=name, global_draw=draw, shares=shares)
    strategy = make_strategy(cfg, LEVELS, base, base, ["a", "b"])
    assert getattr(strategy, "averaged", False) == draws_from_the_mean(cfg)
    assert draws_from_the_mean(cfg) == (draw == "average" and name in ("hbo", "hbo-global"))


def test_unknown_strategy():
    with pytest.raises(ValueError, match="unknown sampling.strategy"):
        make_strategy(SamplingConfig(strategy="doremi"), LEVELS, None, None)


@pytest.mark.parametrize("name", [name for name, registered in STRATEGIES.items() if not registered.needs_scores])
def test_strategies_that_skip_scoring_read_no_scores(name):
    """What setup gives them: one level per dataset and no base-model losses."""
    levels = [[[0, 1, 2, 3]], [[4, 5]]]
    shares = {"a": 1.0, "b": 1.0} if STRATEGIES[name].needs_shares else None
    strategy = make_strategy(SamplingConfig(strategy=name, actor_steps=5, reward_source="offline", shares=shares),
                             levels, None, None, ["a", "b"])
    strategy.update(FakeProbe(torch.full((6,), 0.5, dtype=torch.float64)), 25)
    global_probs, local = strategy.probabilities()
    assert local == [[1.0], [1.0]] and sum(global_probs) == pytest.approx(1.0)


def test_only_hbo_strategies_measure_on_the_weight_average():
    """sampling.probe_average (on by default) is hbo's: the baselines measure the weights as trained, as
    their papers do, and a static mix keeps no average at all."""
    from hbo.strategies import weight_average_decay

    hbo_family = {"hbo", "hbo-global", "hbo-local"}
    for name in STRATEGIES:
        decay = weight_average_decay(SamplingConfig(strategy=name, probe_average=0.9))
        assert decay == (0.9 if name in hbo_family else None), name
        assert weight_average_decay(SamplingConfig(strategy=name, probe_average=None)) is None

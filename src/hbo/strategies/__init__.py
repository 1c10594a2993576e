"""Sampling strategies behind one interface, chosen by ``sampling.strategy``."""
from __future__ import annotations

from hbo.strategies import static
from hbo.strategies.base import RewardProbe, Strategy
from hbo.strategies.hbo import HBOStrategy


def _hbo(levels, config, base_loss, base_alone_loss):
    return HBOStrategy(levels, config, base_loss, base_alone_loss)


STRATEGIES = {
    "hbo": _hbo,
    "proportional": lambda levels, config, *_: static.proportional(levels, config),
    "temperature": lambda levels, config, *_: static.temperature(levels, config),
    "uniform": lambda levels, config, *_: static.uniform(levels, config),
}


def make_strategy(config, levels, base_loss, base_alone_loss) -> Strategy:
    """Build the strategy named by ``config.strategy`` (a ``SamplingConfig``)."""
    if config.strategy not in STRATEGIES:
        raise ValueError(f"unknown sampling.strategy {config.strategy!r}; choose one of {', '.join(STRATEGIES)}")
    return STRATEGIES[config.strategy](levels, config, base_loss, base_alone_loss)


__all__ = ["STRATEGIES", "HBOStrategy", "RewardProbe", "Strategy", "make_strategy"]

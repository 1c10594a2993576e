"""Sampling strategies behind one interface, chosen by ``sampling.strategy``.

Every factory takes ``(levels, sampling_config, base_loss, base_alone_loss)``: the difficulty
levels, the ``SamplingConfig``, and the base model's per-example response loss and response-alone
loss (in nats, by flat example index) for strategies that compare the model now with where it began.
"""
from __future__ import annotations

from hbo.strategies import static
from hbo.strategies.base import RewardProbe, Strategy
from hbo.strategies.hbo import HBOStrategy
from hbo.strategies.mos import MoSStrategy
from hbo.strategies.multidds import MultiDDSStrategy
from hbo.strategies.odm import ODMStrategy

STRATEGIES = {
    "hbo": lambda levels, config, loss, alone: HBOStrategy(levels, config, loss, alone),
    "hbo-global": lambda levels, config, loss, alone: HBOStrategy(levels, config, loss, alone, update_local=False),
    "hbo-local": lambda levels, config, loss, alone: HBOStrategy(levels, config, loss, alone, update_global=False),
    "proportional": lambda levels, config, *_: static.proportional(levels, config),
    "temperature": lambda levels, config, *_: static.temperature(levels, config),
    "uniform": lambda levels, config, *_: static.uniform(levels, config),
    "multidds": lambda levels, config, *_: MultiDDSStrategy(levels, config),
    "mos": lambda levels, config, loss, _: MoSStrategy(levels, config, loss),
    "odm": lambda levels, config, *_: ODMStrategy(levels, config),
}


def make_strategy(config, levels, base_loss, base_alone_loss) -> Strategy:
    """Build the strategy named by ``config.strategy`` (a ``SamplingConfig``)."""
    if config.strategy not in STRATEGIES:
        raise ValueError(f"unknown sampling.strategy {config.strategy!r}; choose one of {', '.join(STRATEGIES)}")
    return STRATEGIES[config.strategy](levels, config, base_loss, base_alone_loss)


__all__ = ["STRATEGIES", "HBOStrategy", "MoSStrategy", "MultiDDSStrategy", "ODMStrategy", "RewardProbe", "Strategy",
           "make_strategy"]

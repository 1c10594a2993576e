"""Sampling strategies behind one interface, chosen by ``sampling.strategy``.

Every strategy is registered once, here, with what it can do: whether it learns at all (reads
rewards), whether it can read them off the training steps (``sampling.reward_source: train``) and
whether it measures them on the weight average (``sampling.probe_average``).
The config's validation and the recipe read these capabilities; nothing tests a strategy's name.
Every factory takes ``(levels, sampling_config, base_loss, base_alone_loss)``: the difficulty levels,
the ``SamplingConfig``, and the base model's per-example response loss and response-alone loss (in
nats, by flat example index) for strategies that compare the model now with where it began; a
strategy whose mix the user gives by dataset name (``fixed``) also takes the datasets' names.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hbo.strategies import static
from hbo.strategies.base import RewardProbe, Strategy
from hbo.strategies.hbo import HBOStrategy
from hbo.strategies.mos import MoSPlusStrategy, MoSStrategy
from hbo.strategies.multidds import MultiDDSStrategy
from hbo.strategies.multiuat import MultiUATStrategy
from hbo.strategies.odm import ODMStrategy


@dataclass(frozen=True)
class Registered:
    build: Callable[..., Strategy]
    learns: bool = True  # reads rewards off the model (a static strategy does not)
    online_rewards: bool = False  # can read them off the training steps (sampling.reward_source: train)
    # reads the base model's scores or the difficulty levels; one that draws uniformly inside each
    # dataset does not, and its run skips the scoring pass (one level per dataset)
    needs_scores: bool = True
    # measures its rewards on the weight average when sampling.probe_average is set (hbo's own
    # strategies); the baselines measure the weights as trained, as their papers do
    uses_weight_average: bool = False
    # holds the mix given by dataset name in sampling.shares, so its factory also takes the names; the
    # benchmarks leave it out, having no shares of their own to give it
    needs_shares: bool = False
    # moves the global actor and, under sampling.global_draw: average, draws datasets from the mean of
    # its distributions so far (hbo and hbo-global), so a run's last logged mixture is that mean
    # (draws_from_the_mean, below, is the one answer for a config)
    averages_draws: bool = False


STRATEGIES: dict[str, Registered] = {
    "hbo": Registered(lambda levels, config, loss, alone: HBOStrategy(levels, config, loss, alone),
                      online_rewards=True, uses_weight_average=True, averages_draws=True),
    "hbo-global": Registered(lambda levels, config, loss, alone: HBOStrategy(levels, config, loss, alone,
                                                                             update_local=False), online_rewards=True,
                             uses_weight_average=True, averages_draws=True),
    "hbo-local": Registered(lambda levels, config, loss, alone: HBOStrategy(levels, config, loss, alone,
                                                                            update_global=False), online_rewards=True,
                            uses_weight_average=True),
    "proportional": Registered(lambda levels, config, *_: static.proportional(levels, config), learns=False,
                               needs_scores=False),
    "temperature": Registered(lambda levels, config, *_: static.temperature(levels, config), learns=False,
                              needs_scores=False),
    "uniform": Registered(lambda levels, config, *_: static.uniform(levels, config), learns=False, needs_scores=False),
    "fixed": Registered(lambda levels, config, loss, alone, names: static.fixed(levels, config, names), learns=False,
                        needs_scores=False, needs_shares=True),
    "multidds": Registered(lambda levels, config, *_: MultiDDSStrategy(levels, config), needs_scores=False),
    "multiuat": Registered(lambda levels, config, *_: MultiUATStrategy(levels, config), needs_scores=False),
    "mos": Registered(lambda levels, config, loss, _: MoSStrategy(levels, config, loss)),
    "mos-plus": Registered(lambda levels, config, loss, _: MoSPlusStrategy(levels, config, loss)),
    "odm": Registered(lambda levels, config, *_: ODMStrategy(levels, config), needs_scores=False),
}


def weight_average_decay(config) -> float | None:
    """The decay of the weight average the updates measure on, for the strategy of ``config`` (a
    ``SamplingConfig``): ``probe_average`` for hbo's strategies, None (the weights as trained) for the
    others, whose runs then keep no average and cost no more than before it existed."""
    return config.probe_average if STRATEGIES[config.strategy].uses_weight_average else None


def draws_from_the_mean(config) -> bool:
    """Whether a run of ``config`` (a ``SamplingConfig``) draws datasets from the mean of its global
    actor's distributions so far, so that its last logged mixture is that mean: ``global_draw:
    average`` under a strategy that moves the global actor. The one answer to the question for the
    commands that read a run back; the strategy itself (``HBOStrategy.averaged``) is checked against
    it in the tests."""
    return STRATEGIES[config.strategy].averages_draws and config.global_draw == "average"


def make_strategy(config, levels, base_loss, base_alone_loss, names: list[str] | None = None) -> Strategy:
    """Build the strategy named by ``config.strategy`` (a ``SamplingConfig``); ``names``, the datasets'
    names in the order of ``levels``, is needed by a strategy given its shares by name."""
    if config.strategy not in STRATEGIES:
        raise ValueError(f"unknown sampling.strategy {config.strategy!r}; choose one of {', '.join(STRATEGIES)}")
    registered = STRATEGIES[config.strategy]
    if not registered.needs_shares:
        return registered.build(levels, config, base_loss, base_alone_loss)
    if names is None or len(names) != len(levels):
        raise ValueError(f"sampling.strategy {config.strategy} takes its shares by dataset name: give "
                         f"make_strategy the {len(levels)} datasets' names")
    return registered.build(levels, config, base_loss, base_alone_loss, names)


__all__ = ["STRATEGIES", "HBOStrategy", "MoSPlusStrategy", "MoSStrategy", "MultiDDSStrategy", "MultiUATStrategy",
           "ODMStrategy", "Registered", "RewardProbe", "Strategy", "draws_from_the_mean",
           "make_strategy"]

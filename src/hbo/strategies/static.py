"""Static temperature sampling, the usual way to mix datasets (e.g. ``interleave_datasets``).

p_d proportional to n_d^(1/T): ``proportional`` is T = 1, ``uniform`` is T = inf, ``temperature``
takes T from ``sampling.temperature`` (default 10, the HBO paper's Temp. baseline; multilingual NMT
often uses 5, Arivazhagan et al. 2019). Inside a dataset every example is equally likely, so a level
is drawn in proportion to its size.
"""
from __future__ import annotations

import math

from hbo.core.prior import temperature_prior
from hbo.strategies.base import Strategy


class StaticStrategy(Strategy):

    def __init__(self, levels, temperature: float):
        super().__init__(levels)
        self.temperature = temperature
        self.global_probs = temperature_prior(self.sizes, temperature)
        self.local_probs = self.level_shares()

    def probabilities(self):
        return list(self.global_probs), [list(p) for p in self.local_probs]


def proportional(levels, config) -> StaticStrategy:
    return StaticStrategy(levels, 1.0)


def uniform(levels, config) -> StaticStrategy:
    return StaticStrategy(levels, math.inf)


def temperature(levels, config) -> StaticStrategy:
    return StaticStrategy(levels, config.prior_temperature())

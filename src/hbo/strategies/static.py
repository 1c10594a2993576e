"""Static mixes, the usual way to mix datasets (e.g. ``interleave_datasets``).

Temperature sampling, p_d proportional to n_d^(1/T): ``proportional`` is T = 1, ``uniform`` is
T = inf, ``temperature`` takes T from ``sampling.temperature`` (default 10, the HBO paper's Temp.
baseline; multilingual NMT often uses 5, Arivazhagan et al. 2019). ``fixed`` holds the shares given
by name in ``sampling.shares``: a mix set by hand, or an earlier hbo run's mean shares (``hbo
shares``), as DoReMi (Xie et al., 2023) holds the weights a proxy run found. Inside a dataset every
example is equally likely, so a level is drawn in proportion to its size.
"""
from __future__ import annotations

import math

from hbo.core.prior import temperature_prior
from hbo.errors import ConfigError
from hbo.strategies.base import Strategy


class StaticStrategy(Strategy):

    def __init__(self, levels, temperature: float | None, shares: list[float] | None = None):
        """The prior p ~ n^(1/temperature), or with ``shares`` (temperature None) those, normalised."""
        super().__init__(levels)
        self.temperature = temperature
        if shares is None:
            self.global_probs = temperature_prior(self.sizes, temperature)
        else:
            total = sum(shares)
            self.global_probs = [w / total for w in shares]
        self.local_probs = self.level_shares()

    def probabilities(self):
        return list(self.global_probs), [list(p) for p in self.local_probs]


def proportional(levels, config) -> StaticStrategy:
    return StaticStrategy(levels, 1.0)


def uniform(levels, config) -> StaticStrategy:
    return StaticStrategy(levels, math.inf)


def temperature(levels, config) -> StaticStrategy:
    return StaticStrategy(levels, config.prior_temperature())


def shares_in_order(shares: dict[str, float], names: list[str]) -> list[float]:
    """``sampling.shares`` as a list in the mixture's dataset order; a dataset left out or a name the
    mixture does not have is a config error, since a share silently dropped or defaulted changes the mix."""
    missing, unknown = [n for n in names if n not in shares], sorted(set(shares) - set(names))
    if missing or unknown:
        raise ConfigError("sampling.shares: one weight for each dataset of the mixture (" + ", ".join(names) + ")"
                          + (f"; missing {', '.join(missing)}" if missing else "")
                          + (f"; no dataset named {', '.join(unknown)}" if unknown else ""))
    return [float(shares[n]) for n in names]


def fixed(levels, config, names: list[str]) -> StaticStrategy:
    return StaticStrategy(levels, None, shares_in_order(config.shares, names))

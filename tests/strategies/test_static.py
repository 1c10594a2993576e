
import pytest

from hbo.config import SamplingConfig
from hbo.errors import ConfigError
from hbo.strategies import make_strategy
from tests.helpers.probes import LEVELS


def test_static_strategies():
    cfg = SamplingConfig(strategy="proportional")
    g, local = make_strategy(cfg, LEVELS, None, None).probabilities()
    assert g == pytest.approx([4 / 6, 2 / 6]) and local == [[0.5, 0.5], [0.5, 0.5]]
    g, _ = make_strategy(SamplingConfig(strategy="uniform"), LEVELS, None, None).probabilities()
    assert g == pytest.approx([0.5, 0.5])

def test_temperature_strategy_defaults_to_t10():
    cfg = SamplingConfig(strategy="temperature")
    g, _ = make_strategy(cfg, LEVELS, None, None).probabilities()
    expected = [4 ** 0.1 / (4 ** 0.1 + 2 ** 0.1), 2 ** 0.1 / (4 ** 0.1 + 2 ** 0.1)]  # the paper's Temp.: T = 10
    assert g == pytest.approx(expected)
    g, _ = make_strategy(SamplingConfig(strategy="temperature", temperature=1.0), LEVELS, None, None).probabilities()
    assert g == pytest.approx([4 / 6, 2 / 6])


def test_fixed_strategy_holds_the_given_shares_by_name():
    """Normalised, in the mixture's order whatever the mapping's order; inside a dataset, levels by size."""
    cfg = SamplingConfig(strategy="fixed", shares={"b": 3.0, "a": 1.0})
    strategy = make_strategy(cfg, LEVELS, None, None, ["a", "b"])
    g, local = strategy.probabilities()
    assert g == pytest.approx([0.25, 0.75]) and local == [[0.5, 0.5], [0.5, 0.5]]
    assert strategy.update(None, 25) == {} and strategy.probabilities() == (g, local)  # nothing moves
    with pytest.raises(ValueError, match="give make_strategy the 2 datasets' names"):
        make_strategy(cfg, LEVELS, None, None)


@pytest.mark.parametrize("shares, message", [
    ({"a": 1.0}, "one weight for each dataset of the mixture \\(a, b\\); missing b$"),
    ({"a": 1.0, "b": 1.0, "c": 1.0}, "no dataset named c$"),
    ({"a": 1.0, "B": 1.0}, "missing b; no dataset named B$"),
])
def test_fixed_shares_must_name_every_dataset_and_no_other(shares, message):
    with pytest.raises(ConfigError, match=message):
        make_strategy(SamplingConfig(strategy="fixed", shares=shares), LEVELS, None, None, ["a", "b"])

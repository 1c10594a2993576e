
import pytest

from hbo.config import SamplingConfig
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

import math

import pytest

from hbo.core.rewards import ExponentialAverage, relative_reward


def test_relative_reward_has_mean_one():
    assert relative_reward([1.0, 2.0, 3.0]) == pytest.approx([0.5, 1.0, 1.5])


def test_relative_reward_zero_mean_is_nan():
    assert all(math.isnan(x) for x in relative_reward([0.0, 0.0]))


def test_ema():
    ema = ExponentialAverage(0.9)
    assert ema([1.0, 2.0]) == [1.0, 2.0]
    assert ema([2.0, 0.0]) == pytest.approx([0.9 * 2 + 0.1 * 1, 0.1 * 2])

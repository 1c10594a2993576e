import math

import pytest

import torch

from hbo.core.rewards import ExponentialAverage, group_means, relative_reward


def test_relative_reward_has_mean_one():
    assert relative_reward([1.0, 2.0, 3.0]) == pytest.approx([0.5, 1.0, 1.5])


def test_relative_reward_zero_mean_is_nan():
    assert all(math.isnan(x) for x in relative_reward([0.0, 0.0]))


def test_ema():
    ema = ExponentialAverage(0.9)
    assert ema([1.0, 2.0]) == [1.0, 2.0]
    assert ema([2.0, 0.0]) == pytest.approx([0.9 * 2 + 0.1 * 1, 0.1 * 2])


def test_group_means_split_in_order_and_skip_non_finite():
    values = torch.tensor([1.0, 3.0, float("nan"), 4.0, float("inf"), float("nan")], dtype=torch.float64)
    means = group_means(values, [[7, 8], [9, 9], [1, 2]])
    assert means[:2] == [2.0, 4.0] and math.isnan(means[2])

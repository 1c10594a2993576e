import math

import pytest

from hbo.core.prior import temperature_prior


def test_proportional_at_t1():
    assert temperature_prior([100, 300, 600], 1.0) == pytest.approx([0.1, 0.3, 0.6])


def test_uniform_at_infinity():
    assert temperature_prior([1, 10, 1000], math.inf) == pytest.approx([1 / 3] * 3)


def test_temperature_flattens():
    # n^(1/2): 10, 20 -> 1/3, 2/3
    assert temperature_prior([100, 400], 2.0) == pytest.approx([1 / 3, 2 / 3])


def test_huge_sizes_do_not_overflow():
    p = temperature_prior([10**300, 10**300], 0.01)
    assert p == pytest.approx([0.5, 0.5])


@pytest.mark.parametrize("sizes,t", [([], 1.0), ([0, 5], 1.0), ([5], 0.0), ([5], -1.0)])
def test_rejects_bad_input(sizes, t):
    with pytest.raises(ValueError):
        temperature_prior(sizes, t)

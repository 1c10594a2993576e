import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from hbo.core.sampler import HierarchicalSampler

LEVELS = [[[0, 1], [2, 3, 4]], [[5], [6], [7, 8]], [[9]]]


def test_frequencies_match_probabilities_chi_square():
    sampler = HierarchicalSampler(LEVELS, num_samples=20_000, seed=1)
    g, local = [0.5, 0.3, 0.2], [[0.25, 0.75], [0.2, 0.3, 0.5], [1.0]]
    sampler.set_probabilities(g, local)
    counts = torch.bincount(torch.tensor(list(sampler)), minlength=10).double()
    expected = []
    for d, levels in enumerate(LEVELS):
        for k, level in enumerate(levels):
            expected += [g[d] * local[d][k] / len(level)] * len(level)
    expected = torch.tensor(expected) * counts.sum()
    assert chisquare(counts.numpy(), expected.numpy()).pvalue > 1e-3
    # and a wrong distribution is rejected, so the test has power
    assert chisquare(counts.numpy(), (torch.ones(10) * counts.sum() / 10).numpy()).pvalue < 1e-6


def test_counts_per_level_and_pop_resets():
    sampler = HierarchicalSampler(LEVELS, num_samples=100, seed=0)
    drawn = list(sampler)
    draws = sampler.pop_draws()
    assert [i for _, _, i in draws] == drawn
    assert sum(map(sum, sampler.count(draws))) == 100
    assert sampler.pop_draws() == []
    for _ in range(10):
        sampler.draw()
    assert len(sampler.pop_draws(4)) == 4  # the 6 later draws wait for the next call
    assert len(sampler.pop_draws()) == 6


def test_requeue_replays_prefetched_draws_in_order():
    sampler = HierarchicalSampler(LEVELS, num_samples=10, seed=5)
    it = iter(sampler)
    first = [next(it) for _ in range(6)]  # 4 trained on, 2 prefetched
    state = sampler.state_dict()
    rest = list(it)
    restarted = HierarchicalSampler(LEVELS, num_samples=6, seed=0)
    restarted.load_state_dict(state)
    restarted.requeue_unconsumed(4)
    assert list(restarted) == first[4:] + rest


def test_floor_keeps_every_arm_alive():
    sampler = HierarchicalSampler(LEVELS, num_samples=1, min_probability=0.01)
    sampler.set_probabilities([1.0, 0.0, 0.0], [[1.0, 0.0], [0.0, 0.0, 1.0], [1.0]])
    assert sampler.global_probs.min() >= 0.01 and float(sampler.global_probs.sum()) == pytest.approx(1.0)
    assert all(p.min() >= 0.01 for p in sampler.local_probs)


def test_seeded_and_resumable():
    a = HierarchicalSampler(LEVELS, num_samples=50, seed=3)
    first = [a.draw() for _ in range(20)]
    state = a.state_dict()
    rest_a = [a.draw() for _ in range(30)]
    b = HierarchicalSampler(LEVELS, num_samples=50, seed=99)
    b.load_state_dict(state)
    assert [b.draw() for _ in range(30)] == rest_a
    c = HierarchicalSampler(LEVELS, num_samples=50, seed=3)
    assert [c.draw() for _ in range(20)] == first


def test_restored_probabilities_are_the_saved_ones_with_a_floor():
    """The saved distributions already carry the floor; restoring them must not apply it again, or a
    resumed run draws near a level's boundary differently from an uninterrupted one."""
    a = HierarchicalSampler(LEVELS, num_samples=1, seed=3, min_probability=0.01)
    a.set_probabilities([0.9, 0.08, 0.02], [[0.95, 0.05], [0.7, 0.2, 0.1], [1.0]])
    b = HierarchicalSampler(LEVELS, num_samples=1, seed=0, min_probability=0.01)
    b.load_state_dict(a.state_dict())
    assert torch.equal(b.global_probs, a.global_probs)
    assert all(torch.equal(p, q) for p, q in zip(b.local_probs, a.local_probs))


def test_rejects_invalid_distributions_and_empty_levels():
    sampler = HierarchicalSampler(LEVELS, num_samples=1)
    with pytest.raises(ValueError):
        sampler.set_probabilities([float("nan"), 0.5, 0.5], [[0.5, 0.5], [1, 1, 1], [1]])
    with pytest.raises(ValueError):
        sampler.set_probabilities([0.5, 0.5], [[0.5, 0.5], [1, 1, 1]])
    with pytest.raises(ValueError):
        HierarchicalSampler([[[0], []]], num_samples=1)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).filter(lambda p: sum(p) > 0.01), st.integers(0, 2**31))
def test_never_draws_a_zero_probability_dataset(g, seed):
    sampler = HierarchicalSampler(LEVELS, num_samples=200, seed=seed)
    sampler.set_probabilities(g, [[0.5, 0.5], [1, 1, 1], [1]])
    for _ in range(200):
        d, k, i = sampler.draw()
        assert g[d] > 0
        assert i in LEVELS[d][k]

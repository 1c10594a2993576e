import pytest
from hypothesis import given
from hypothesis import strategies as st

from hbo.core.levels import assign_levels, hold_out


def test_quantiles_low_score_is_level_zero():
    assert assign_levels([0.9, 0.1, 0.5, 0.3], 2) == [1, 0, 1, 0]


def test_every_example_kept_when_not_divisible():
    levels = assign_levels(list(range(10)), 4)
    assert len(levels) == 10
    assert sorted(levels.count(k) for k in range(4)) == [2, 2, 3, 3]


def test_small_dataset_gets_one_level_per_example():
    assert assign_levels([3.0, 1.0], 4) == [1, 0]


def test_non_finite_scores_are_hardest():
    assert assign_levels([float("nan"), 1.0, 2.0, 3.0], 2) == [1, 0, 0, 1]


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=200), st.integers(1, 8))
def test_levels_are_balanced_and_monotone(scores, k):
    levels = assign_levels(scores, k)
    used = min(k, len(scores))
    counts = [levels.count(j) for j in range(used)]
    assert set(levels) == set(range(used))
    assert max(counts) - min(counts) <= 1
    for a, la in zip(scores, levels):
        for b, lb in zip(scores, levels):
            if a < b:
                assert la <= lb


def test_hold_out_keeps_at_most_a_quarter_of_each_level_out_of_training():
    levels = [[list(range(0, 40)), list(range(40, 46))], [[46, 47, 48]]]
    training, probe = hold_out(levels, per_level=4, seed=3)
    assert [[len(level) for level in dataset] for dataset in probe] == [[4, 1], [0]]  # min(4, n // 4)
    for dataset, kept, held in zip(levels, training, probe):
        for level, k, h in zip(dataset, kept, held):
            assert sorted(k + h) == level and not set(k) & set(h)
            assert k == [i for i in level if i in k]  # order kept
    assert hold_out(levels, per_level=4, seed=3) == (training, probe)
    assert hold_out(levels, per_level=4, seed=4)[1] != probe
    with pytest.raises(ValueError, match="per_level"):
        hold_out(levels, per_level=-1, seed=0)


def test_owners_map_every_index_to_its_dataset_and_level():
    from hbo.core.levels import owners

    dataset_of, level_of = owners([[[0, 2], [5]], [[1, 4]], [[]]])  # index 3 is in no level
    assert dataset_of.tolist() == [0, 1, 0, -1, 1, 0] and level_of.tolist() == [0, 0, 0, -1, 0, 1]
    assert dataset_of.dtype == level_of.dtype == "int32"
    assert [a.tolist() for a in owners([])] == [[], []]

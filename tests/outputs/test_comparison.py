import pytest

from hbo.outputs.comparison import macro_accuracy, paired_difference


def test_macro_accuracy_is_the_unweighted_mean_over_datasets():
    assert macro_accuracy({"a": [1, 1, 0, 0], "b": [1]}) == pytest.approx(75.0)


def test_identical_runs_differ_by_exactly_zero():
    runs = [{"a": [1, 0, 1], "b": [0, 1]}, {"a": [0, 0, 1], "b": [1, 1]}]
    result = paired_difference(runs, runs)
    assert result == {"delta_macro": 0.0, "ci95": [0.0, 0.0]}


def test_delta_is_the_mean_macro_difference_and_its_interval_covers_it():
    a = [{"a": [1, 1, 1, 0], "b": [1, 0]}, {"a": [1, 1, 0, 0], "b": [1, 1]}]
    b = [{"a": [1, 0, 0, 0], "b": [0, 0]}, {"a": [1, 1, 0, 0], "b": [1, 0]}]
    # seed 0: (75 + 50)/2 - (25 + 0)/2 = 50; seed 1: (50 + 100)/2 - (50 + 50)/2 = 25
    result = paired_difference(a, b, resamples=4000)
    assert result["delta_macro"] == pytest.approx(37.5)
    low, high = result["ci95"]
    assert low <= 37.5 <= high and low >= 0  # a never answers worse than b on any question
    assert paired_difference(b, a)["delta_macro"] == pytest.approx(-37.5)


def test_a_constant_gap_on_every_question_has_a_zero_width_interval():
    a = [{"a": [1] * 10}] * 3
    b = [{"a": [0] * 10}] * 3
    assert paired_difference(a, b) == {"delta_macro": 100.0, "ci95": [100.0, 100.0]}


def test_unpaired_inputs_are_refused():
    with pytest.raises(ValueError, match="same seeds"):
        paired_difference([{"a": [1]}], [])
    with pytest.raises(ValueError, match="same datasets"):
        paired_difference([{"a": [1]}], [{"b": [1]}])

import tracemalloc

import numpy as np
import pytest

from hbo.outputs import comparison
from hbo.outputs.comparison import macro_accuracy, paired_bootstrap, paired_difference, paired_interval


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


def random_runs(seeds: int, questions: list[int], seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{f"d{i}": rng.integers(2, size=q).tolist() for i, q in enumerate(questions)} for _ in range(seeds)]


def test_the_bootstrap_in_blocks_draws_the_same_resamples_as_at_once(monkeypatch):
    a, b = random_runs(3, [40, 7, 101], 1), random_runs(3, [40, 7, 101], 2)
    whole = paired_difference(a, b)  # the default block holds every resample of these at once
    assert whole["ci95"][0] < whole["ci95"][1]
    for block in (500, 37, 1):  # several resamples per block, fewer than one row, one entry
        monkeypatch.setattr(comparison, "_BLOCK", block)
        assert paired_difference(a, b) == whole


def test_the_bootstrap_draws_give_the_95_interval_and_wider_ones_at_higher_levels():
    a, b = random_runs(4, [30, 12], 5), random_runs(4, [30, 12], 6)
    delta, draws = paired_bootstrap(a, b, resamples=3000, seed=7)
    assert draws.shape == (3000,)
    result = paired_difference(a, b, resamples=3000, seed=7)
    assert delta == result["delta_macro"]
    assert np.percentile(draws, [2.5, 97.5]).tolist() == result["ci95"]
    low, high = np.percentile(draws, [1.25, 98.75])  # a 97.5% interval holds the 95% one
    assert low < result["ci95"][0] and high > result["ci95"][1]
    assert paired_interval(a, b, 97.5, resamples=3000, seed=7) == (delta, low, high)
    assert paired_interval(a, b, resamples=3000, seed=7) == (delta, *result["ci95"])


def test_memory_stays_bounded_with_many_questions():
    # all 2000 resamples of 6 seeds x 5000 questions at once would pick 480 MB of entries
    a, b = random_runs(6, [5000], 3), random_runs(6, [5000], 4)
    tracemalloc.start()
    try:
        paired_difference(a, b)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2 ** 20


def evaluation(correct: dict, answers: dict | None = None, letter: str | None = None) -> dict:
    """Only the keys gains_over_baselines reads from an evaluate_mixture result."""
    results = {name: {"examples": len(c), "correct": c, **({"answers": answers[name]} if answers else {})}
               for name, c in correct.items()}
    results["macro"] = {"constant_letter": {"letter": letter, "accuracy": 0.0} if letter else None}
    return results


def test_gains_over_the_model_before_training_and_the_constant_letter_by_hand():
    from hbo.outputs.comparison import gains_over_baselines

    # exam: 4 questions with right options A, B, B, C; plain: 2 open questions (no options)
    answers = {"exam": [0, 1, 1, 2], "plain": [None, None]}
    after = evaluation({"exam": [1, 1, 1, 0], "plain": [1, 0]}, answers, "B")
    before = evaluation({"exam": [1, 0, 0, 0], "plain": [0, 0]}, answers, "B")
    gains = gains_over_baselines(before, after)
    # after: (75 + 50) / 2 = 62.5; before: (25 + 0) / 2 = 12.5; always B: (50 + 0) / 2 = 25
    assert gains["before"]["delta_macro"] == pytest.approx(50.0)
    assert gains["constant_letter"]["delta_macro"] == pytest.approx(37.5)
    for gain in gains.values():
        low, high = gain["ci95"]
        assert 0 <= low <= gain["delta_macro"] <= high  # never worse than the baseline on any question


def test_gains_leave_out_what_does_not_apply():
    from hbo.outputs.comparison import gains_over_baselines

    open_only = evaluation({"plain": [1, 0]}, {"plain": [None, None]})
    assert set(gains_over_baselines(open_only, open_only)) == {"before"}  # no multiple choice: no letter
    assert gains_over_baselines(None, open_only) == {}  # eval.before: false
    no_answers = evaluation({"exam": [1, 0]}, letter="A")  # written before answers were recorded
    assert set(gains_over_baselines(no_answers, no_answers)) == {"before"}


def test_the_gains_line_says_when_an_interval_covers_zero():
    from hbo.evaluate import gains_line

    after = {"macro": {"constant_letter": {"letter": "B", "accuracy": 25.0}}}
    gains = {"before": {"delta_macro": 4.0, "ci95": [1.0, 7.0]},
             "constant_letter": {"delta_macro": -0.5, "ci95": [-3.0, 2.0]}}
    line = gains_line(gains, after)
    assert line.endswith("over the model before training +4.0 [+1.0, +7.0]; "
                         "over always 'B' -0.5 [-3.0, +2.0] (within noise)")
    assert line.count("within noise") == 1 and gains_line({}, after) == ""

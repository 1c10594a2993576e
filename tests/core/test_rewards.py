import math

import pytest

import torch

from hbo.core.rewards import ExponentialAverage, group_means, relative_fall, relative_reward


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


def test_alignment_with_mean_by_hand():
    from hbo.core.rewards import alignment_with_mean

    # two orthogonal unit gradients and a third equal to the first, scaled by 2: unit dots
    # [[1, 0, 1], [0, 1, 0], [1, 0, 1]]; the mean unit vector has squared norm 5/9, so
    # cos_d = (row sum / 3) / sqrt(5/9) = row sum / sqrt(5)
    gram = [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [2.0, 0.0, 4.0]]
    import math

    assert alignment_with_mean(gram) == pytest.approx([2 / math.sqrt(5), 1 / math.sqrt(5), 2 / math.sqrt(5)])
    # a larger gradient does not pull the reference toward itself: scaling a row and column changes nothing
    assert alignment_with_mean([[1.0, 0.0], [0.0, 100.0]]) == pytest.approx([1 / math.sqrt(2)] * 2)
    assert all(math.isnan(v) for v in alignment_with_mean([[0.0, 0.0], [0.0, 1.0]]))


def test_median_relative_fall_counts_each_example_once():
    from hbo.core.rewards import median_relative_fall

    # three clean examples fall by half; one random answer with a large loss rises a little
    before = torch.tensor([0.4, 0.6, 0.8, 8.0, math.nan, 0.0], dtype=torch.float64)
    now = torch.tensor([0.2, 0.3, 0.4, 8.8, 1.0, 0.0], dtype=torch.float64)
    assert median_relative_fall(before, now, [[0, 1, 2, 3]]) == pytest.approx([0.5])
    assert relative_fall(before, now, [[0, 1, 2, 3]]) == pytest.approx([(9.8 - 9.7) / 9.8])  # drowned by the 8.0
    # two examples: the mean of the middle pair; unusable entries (NaN, zero loss before) are left out
    assert median_relative_fall(before, now, [[0, 3], [3, 4, 5]]) == pytest.approx([(0.5 - 0.1) / 2, -0.1])
    assert math.isnan(median_relative_fall(before, now, [[4, 5]])[0])


def test_absolute_fall_is_the_mean_fall_in_nats():
    from hbo.core.rewards import absolute_fall

    before = torch.tensor([2.0, 4.0, 0.2, 0.4, math.nan], dtype=torch.float64)
    now = torch.tensor([1.0, 2.0, 0.1, 0.2, 1.0], dtype=torch.float64)
    # both groups lose half their loss (the same relative fall); the one further from its floor gains more
    assert absolute_fall(before, now, [[0, 1], [2, 3]]) == pytest.approx([1.5, 0.15])
    assert relative_fall(before, now, [[0, 1], [2, 3]]) == pytest.approx([0.5, 0.5])
    assert absolute_fall(before, now, [[3, 4]]) == pytest.approx([0.2])  # NaN entries left out
    assert math.isnan(absolute_fall(before, now, [[4]])[0])


def test_likelihood_gain_is_the_rise_in_whole_answer_probability():
    from hbo.core.rewards import absolute_fall, likelihood_gain

    log2, log4 = math.log(2), math.log(4)
    before = torch.tensor([log4, log4, 30.0, 30.0, math.nan], dtype=torch.float64)  # P = 1/4, 1/4, ~0, ~0
    now = torch.tensor([log2, 0.0, 12.0, 25.0, 0.0], dtype=torch.float64)  # P = 1/2, 1, ~0, ~0
    # a learnable group: (1/2 + 1) / 2 - 1/4; answers whose probability stays near 0 gain nothing,
    # however far their loss falls (the fall in nats ranks that group first)
    assert likelihood_gain(before, now, [[0, 1], [2, 3]]) == pytest.approx([0.5, 0.0], abs=1e-5)
    assert absolute_fall(before, now, [[0, 1], [2, 3]]) == pytest.approx([(log4 - log2 + log4) / 2, 11.5])
    assert likelihood_gain(now, before, [[0, 1]]) == pytest.approx([-0.5])  # a model that forgets loses
    assert likelihood_gain(before, now, [[1, 4]]) == pytest.approx([0.75])  # NaN entries left out
    assert math.isnan(likelihood_gain(before, now, [[4]])[0])


def test_fall_errors_and_the_noise_band_by_hand():
    from hbo.core.rewards import beyond_noise, fall_error

    before = torch.tensor([1.0, 1.0, 1.0, 1.0, 2.0, math.nan], dtype=torch.float64)
    now = torch.tensor([0.5, 0.7, 1.1, 1.3, 1.0, 0.0], dtype=torch.float64)
    sd = 0.365148  # of the falls 0.5, 0.3, -0.1, -0.3
    # total: sqrt(4) * sd / 4 (the losses before sum to 4); absolute: sd / sqrt(4)
    assert fall_error("total", before, now, [[0, 1, 2, 3]]) == pytest.approx([2 * sd / 4], rel=1e-5)
    assert fall_error("absolute", before, now, [[0, 1, 2, 3]]) == pytest.approx([sd / 2], rel=1e-5)
    # likelihood: the spread of exp(-now) - exp(-before)
    gains = torch.exp(-now[:4]) - torch.exp(-before[:4])
    assert fall_error("likelihood", before, now, [[0, 1, 2, 3]]) == pytest.approx([float(gains.std()) / 2])
    assert math.isnan(fall_error("total", before, now, [[4]])[0])  # one example: no spread to measure
    assert math.isnan(fall_error("total", before, now, [[4, 5]])[0])  # the NaN entry leaves one
    with pytest.raises(ValueError, match="median"):
        fall_error("median", before, now, [[0, 1, 2, 3]])
    # a fall inside its band counts for nothing, one beyond it keeps what lies beyond, either sign
    assert beyond_noise([0.1, 0.5, -0.5, 0.3], [0.1, 0.1, 0.1, math.nan], 2.0) == pytest.approx([0.0, 0.3, -0.3, 0.3])
    assert beyond_noise([0.1], [0.1], 0.0) == [0.1]


def test_in_errors_is_each_score_over_its_standard_error():
    from hbo.core.rewards import in_errors

    z = in_errors([0.3, -0.2, 0.1, 0.1], [0.1, 0.4, 0.0, math.nan])
    assert z[:2] == pytest.approx([3.0, -0.5])
    assert math.isnan(z[2]) and math.isnan(z[3])  # no error estimate: no z-score


def test_transfer_weights_by_hand():
    from hbo.core.rewards import transfer_weights

    # training gradients g0 = (1, 0), g1 = (0, 2); probe gradients h0 = (1, 1), h1 = (0, 3) with losses 2 and 3
    weights = transfer_weights([2.0, 3.0])
    assert weights == pytest.approx([0.5, 1 / 3])
    g, h = torch.tensor([[1.0, 0.0], [0.0, 2.0]]), torch.tensor([[1.0, 1.0], [0.0, 3.0]])
    # s0 = <g0,h0>/2 + <g0,h1>/3 = 1/2 + 0; s1 = <g1,h0>/2 + <g1,h1>/3 = 2/2 + 6/3
    assert (g @ (torch.tensor(weights) @ h)).tolist() == pytest.approx([0.5, 3.0])
    assert transfer_weights([]) == []  # no dataset has a probe: every score 0, no tilt
    assert transfer_weights([2.0, float("nan")]) is None and transfer_weights([0.0, 3.0]) is None



def test_tilted_prior_is_positive_and_keeps_the_prior_when_scores_agree():
    from hbo.core.rewards import tilted_prior

    assert tilted_prior([0.7, 0.3], [0.4, 0.4], 5.0) == pytest.approx([0.7, 0.3])
    tilted = tilted_prior([0.5, 0.5], [0.0, 0.2], 5.0)
    assert tilted == pytest.approx([0.5 * math.exp(-1.0), 0.5])
    assert all(v > 0 for v in tilted_prior([0.5, 0.5], [-1.0, 1.0], 50.0))
    assert all(math.isnan(v) for v in tilted_prior([0.5, 0.5], [float("nan"), 1.0], 5.0))


def test_relative_fall_is_the_share_of_each_groups_loss_that_went_away():
    before = torch.tensor([1.0, 3.0, 2.0, math.nan, 0.0])
    now = torch.tensor([0.5, 1.5, 3.0, 1.0, 0.0])
    falls = relative_fall(before, now, [[0, 1], [2, 3], [3], [4]])
    assert falls[0] == pytest.approx((4.0 - 2.0) / 4.0)
    assert falls[1] == pytest.approx(-0.5)  # index 3 is not finite before: left out; a rise is negative
    assert math.isnan(falls[2]) and math.isnan(falls[3])  # nothing measured twice; no loss to fall


def test_every_heldout_fall_choice_has_its_fall():
    import typing

    from hbo.config.schema import HeldoutFall
    from hbo.core.rewards import HELDOUT_FALLS, relative_fall

    assert set(HELDOUT_FALLS) == set(typing.get_args(HeldoutFall)) and HELDOUT_FALLS["total"] is relative_fall


def test_attributed_falls_by_hand():
    """Probe 0's fall is split evenly between the two datasets that lowered it, probe 1's 3:1 (the
    negative contribution counts as none), probe 2's rise stays with its own dataset."""
    from hbo.core.rewards import attributed_falls

    contributions = torch.tensor([[1.0, 3.0, 0.0], [1.0, 1.0, 0.0], [0.0, -1.0, 0.0]])
    assert attributed_falls([0.4, 0.2, -0.1], contributions) == pytest.approx([0.35, 0.25, -0.1])
    # a fall no dataset contributed to stays with its own dataset, as the own-probe credit has it
    assert attributed_falls([0.3, 0.1], torch.tensor([[-1.0, 0.0], [0.0, 0.0]])) == pytest.approx([0.3, 0.1])

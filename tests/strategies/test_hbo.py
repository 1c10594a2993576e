import math

import pytest
import torch

from hbo.config import SamplingConfig, load_config
from hbo.errors import ConfigError
from hbo.strategies import make_strategy
from hbo.strategies.base import ANSWER_COLUMNS
from tests.helpers.probes import LEVELS, PAPER_REWARDS, FakeProbe, TrainedProbe
from hbo.strategies.hbo import HBOStrategy, level_ratio


def test_hbo_rewards_by_hand():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(**PAPER_REWARDS, global_samples_per_level=50, local_samples_per_level=50, actor_lr=0.05, actor_steps=50)
    strategy = HBOStrategy(LEVELS, cfg, base, base)
    record = strategy.update(FakeProbe(base), 25)
    # dataset 1 draws indices 4 and 5 equally often in expectation: norms 5 and 6 -> ~5.5; dataset 0 ~2.5
    g_reward = record["global_reward"]
    assert 2.0 < g_reward[0] < 3.0 and 5.0 < g_reward[1] < 6.0
    assert record["global_score"] is None  # only the held-out global reward has scores behind its rewards
    # ppl ratios: dataset 0 level 0 -> 1, level 1 -> 2; normalised by their mean 1.5
    assert record["local_reward"][0] == pytest.approx([2 / 3, 4 / 3])
    assert record["local_reward"][1] == pytest.approx([1.0, 1.0])
    g, local = strategy.probabilities()
    assert g[1] > 2 / 6  # moved toward the larger gradient norm
    assert local[0][1] > 0.5 and local[1] == pytest.approx([0.5, 0.5])

def test_level_ratio_kinds():
    now, base = torch.tensor([1.0]), torch.tensor([2.0])
    assert level_ratio("ppl", now, base).item() == pytest.approx(math.exp(-1))
    assert level_ratio("loss", now, base).item() == pytest.approx(0.5)
    # IFD is a ratio of mean losses: (1 / 0.5) / (2 / 0.25) = 2 / 8
    assert level_ratio("ifd", now, base, torch.tensor([0.5]), torch.tensor([0.25])).item() == pytest.approx(0.25)
    # improvement is the inverse of the perplexity ratio: levels that improved most score highest
    assert level_ratio("improvement", now, base).item() == pytest.approx(math.exp(1))

def test_ablations_freeze_one_level_of_the_hierarchy():
    base = torch.full((6,), 0.5, dtype=torch.float64)
    cfg = SamplingConfig(**PAPER_REWARDS, actor_lr=0.05, actor_steps=20)
    global_only = make_strategy(SamplingConfig(**PAPER_REWARDS, strategy="hbo-global", actor_lr=0.05, actor_steps=20), LEVELS, base, base)
    record = global_only.update(FakeProbe(base), 25)
    g, local = global_only.probabilities()
    assert g[1] > 2 / 6 and local == [[0.5, 0.5], [0.5, 0.5]] and record["local_reward"] is None
    local_only = make_strategy(SamplingConfig(**PAPER_REWARDS, strategy="hbo-local", actor_lr=0.05, actor_steps=20), LEVELS, base, base)
    record = local_only.update(FakeProbe(base), 25)
    g, local = local_only.probabilities()
    assert g == pytest.approx([4 / 6, 2 / 6], abs=1e-12) and local[0][1] > 0.5 and record["global_reward"] is None
    assert cfg.prior_temperature() == 1.0

def test_online_hbo_rewards_by_hand():
    """Levels with no trained example keep their last mean; never-measured ones count as the mean
    of their peers; NaN measurements (losses-only steps) are left out."""
    base = torch.full((6,), 0.5, dtype=torch.float64)
    strategy = HBOStrategy(LEVELS, SamplingConfig(**{**PAPER_REWARDS, "reward_source": "train"}, actor_steps=5), base, base)
    two = 0.5 + math.log(2)
    # update 1: dataset 0 level 0 (norms 1, 3 -> 2) and level 1 (norm 6, ratio 2); dataset 1 unseen
    record = strategy.update(TrainedProbe([0, 1, 2, 3], [0.5, 0.5, two, two], [1.0, 3.0, 6.0, math.nan]), 25)
    assert record["global_reward"] == pytest.approx([4.0, 4.0])  # mean of levels (2 + 6) / 2; dataset 1 -> peers
    assert record["local_reward"][0] == pytest.approx([2 / 3, 4 / 3])
    assert all(math.isnan(r) for r in record["local_reward"][1])  # never measured: that actor is skipped
    assert record["skipped"] == [1]
    # update 2: only dataset 1 level 1 is trained on; dataset 0 keeps its last means
    record = strategy.update(TrainedProbe([5], [0.5], [10.0]), 25)
    assert record["global_reward"] == pytest.approx([4.0, 10.0])
    assert record["local_reward"][0] == pytest.approx([2 / 3, 4 / 3])
    assert record["local_reward"][1] == pytest.approx([1.0, 1.0])  # level 0 takes level 1's mean
    state = strategy.state_dict()
    resumed = HBOStrategy(LEVELS, SamplingConfig(**{**PAPER_REWARDS, "reward_source": "train"}, actor_steps=5), base, base)
    resumed.load_state_dict(state)
    assert resumed.update(TrainedProbe([], [], []), 25) == strategy.update(TrainedProbe([], [], []), 25)


def test_local_updates_repeat_the_local_estimate_and_update():
    """The reference's local actors: one fresh estimate and one actor update per micro-step."""
    base = torch.full((6,), 0.5, dtype=torch.float64)
    once = SamplingConfig(**PAPER_REWARDS, actor_steps=1, actor_lr=0.1)
    twice = SamplingConfig(**PAPER_REWARDS, actor_steps=1, actor_lr=0.1, local_updates=2)
    a, b = HBOStrategy(LEVELS, once, base, base), HBOStrategy(LEVELS, twice, base, base)
    calls = []
    probe = FakeProbe(base)
    losses = probe.losses
    probe.losses = lambda idx: calls.append(len(idx)) or losses(idx)
    a.update(probe, 25)
    first = len(calls)
    b.update(probe, 25)
    assert len(calls) - first == 2 * first  # two local estimates
    # dataset 0's level 1 is favoured by the paper's reward; two Adam steps move it further than one
    assert b.probabilities()[1][0][1] > a.probabilities()[1][0][1] > 0.5


def test_progress_reward_by_hand_offline_and_online():
    """prior * exp(tilt * p / max|p|), p the relative loss fall since the last update (the base model first)."""
    base = torch.tensor([1.0, 1.0, 1.0, 1.0, 2.0, 2.0], dtype=torch.float64)
    cfg = SamplingConfig(global_reward="progress", tilt=2.0, actor_steps=1, reward_source="offline", reward_ema=None)
    strategy = HBOStrategy(LEVELS, cfg, base, base)
    probe = FakeProbe(base)
    probe.losses = lambda idx: torch.tensor([0.5 if i < 4 else 1.5 for i in idx], dtype=torch.float64)
    # falls: dataset 0 (1 - 0.5) / 1 = 0.5, dataset 1 (2 - 1.5) / 2 = 0.25 -> scores 1, 0.5
    prior = [4 / 6, 2 / 6]
    assert strategy.global_rewards(probe) == pytest.approx([prior[0], prior[1] * math.exp(-1.0)])
    # next update: measured against the last losses; dataset 1 improves further, dataset 0 gets worse
    probe.losses = lambda idx: torch.tensor([0.6 if i < 4 else 0.75 for i in idx], dtype=torch.float64)
    # falls: (0.5 - 0.6) / 0.5 = -0.2, (1.5 - 0.75) / 1.5 = 0.5 -> scores -0.4, 1
    assert strategy.global_rewards(probe) == pytest.approx([prior[0] * math.exp(-2.8), prior[1]])

    online = HBOStrategy(LEVELS, SamplingConfig(global_reward="progress", tilt=2.0, reward_source="train", reward_ema=None),
                         base, base)
    # only dataset 0 was trained on: dataset 1 counts as no progress
    rewards = online.global_rewards(TrainedProbe([0, 2], [0.5, 0.5], [1.0, 1.0]))
    assert rewards == pytest.approx([prior[0], prior[1] * math.exp(-2.0)])


# The held-out rewards on the probe's loss, as a share of it: the default's measure and fall until
# wrong_mass and absolute (docs/benchmark-log.md, "A default better where the default failed").
LOSS_FALLS = {"heldout_measure": "loss", "heldout_fall": "total"}


def heldout_strategy(**overrides):
    """Two datasets of two levels of 8 examples; one example of each level is held out (indices as
    drawn by the seed, found from the strategy). Base loss 1 everywhere. The probe is read by its
    loss's relative fall (``LOSS_FALLS``), in which the hand-computed falls below are written; the
    answer measures, the default's included, have tests of their own."""
    levels = [[list(range(0, 8)), list(range(8, 16))], [list(range(16, 24)), list(range(24, 32))]]
    cfg = SamplingConfig(**{"global_reward": "heldout", "local_reward": "heldout", "probe_per_level": 1, "tilt": 2.0,
                            "reward_ema": None, "actor_steps": 1, "heldout_threshold": None, **LOSS_FALLS,
                            **overrides})
    return HBOStrategy(levels, cfg, torch.ones(32, dtype=torch.float64), torch.ones(32, dtype=torch.float64))


def _probe_of(strategy) -> dict[int, tuple[int, int]]:
    """Each probe example's (dataset, level)."""
    return {i: (d, k) for d, dataset in enumerate(strategy.probe_levels) for k, level in enumerate(dataset) for i in level}


def _held_probe(strategy, now):
    """A probe whose examples' losses are ``now[(dataset, level)]``."""
    probe_of, probe = _probe_of(strategy), FakeProbe(None)
    probe.losses = lambda idx: torch.tensor([now[probe_of[i]] for i in idx], dtype=torch.float64)
    return probe


def _answer_probe(strategy, row):
    """A probe whose one pass gives each example the measures ``row((dataset, level))``: [loss,
    wrong-token share, margin deficit, wrong mass]; ``losses`` alone must not be read."""
    probe_of, probe = _probe_of(strategy), FakeProbe(None)
    probe.losses_and_answer_measures = lambda idx: torch.tensor([row(probe_of[i]) for i in idx], dtype=torch.float64)
    probe.losses = lambda idx: pytest.fail("an answer measure reads losses and answer measures in one pass")
    return probe


def test_heldout_rewards_by_hand():
    """Scores are the probe's relative loss fall since the last update (the base model first); the
    prior (global) or uniform (local) is tilted by exp(tilt * score / largest |score|)."""
    strategy = heldout_strategy()
    assert sorted(_probe_of(strategy).values()) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert strategy.probe_loss() == [1.0, 1.0]  # the base model's, before any update
    # the probe is never trained on; everything else is
    for dataset, kept, held in zip(strategy.levels, strategy.training_levels, strategy.probe_levels):
        for level, k, h in zip(dataset, kept, held):
            assert sorted(k + h) == level and len(h) == 1
    now = {(0, 0): 0.5, (0, 1): 1.0, (1, 0): 0.9, (1, 1): 0.9}
    probe = _held_probe(strategy, now)
    record = strategy.update(probe, 50)
    assert strategy.probe_loss() == pytest.approx([0.75, 0.9])  # each dataset's mean probe loss now
    # dataset falls: (2 - 1.5) / 2 = 0.25 and 0.1 -> scores 1, 0.4 (prior 1/2 each)
    assert record["global_reward"] == pytest.approx([0.5, 0.5 * math.exp(2 * (0.4 - 1))])
    assert record["global_score"] == pytest.approx([0.25 / 0.5, 0.1 / 0.5])  # per unit of sampling, for the log
    # level falls 0.5, 0 and 0.1, 0.1, on one scale (0.5) for the mixture -> 1, 0 and 0.2, 0.2
    assert record["local_reward"][0] == pytest.approx([0.5, 0.5 * math.exp(-2)])
    assert record["local_reward"][1] == pytest.approx([0.5, 0.5])
    g, local = strategy.probabilities()
    assert g[0] > 0.5 and local[0][0] > 0.5
    # second update: measured against the last losses; dataset 0 stands still, dataset 1 falls
    now.update({(0, 0): 0.5, (0, 1): 1.0, (1, 0): 0.45, (1, 1): 0.9})
    resumed = heldout_strategy()
    resumed.load_state_dict(strategy.state_dict())
    record = strategy.update(probe, 100)
    assert record["global_reward"] == pytest.approx([0.5 * math.exp(-2), 0.5])  # falls 0 and 0.25
    assert record["global_score"] == pytest.approx([0.0, 0.25 / g[1]])  # over the mixture the fall was bought at
    assert record["local_reward"][1] == pytest.approx([0.5, 0.5 * math.exp(-2)])  # falls 0.5 and 0
    assert resumed.update(probe, 100) == record


def test_averaged_tilts_fade_when_nothing_more_is_learnt():
    """reward_ema_of tilts: the EMA averages each update's scores over their largest |score|, so when
    the probe stands still after one clear difference the tilt fades; averaging the raw falls instead
    (scores) keeps the full tilt, since the averaged falls shrink together."""
    def two_updates(ema_of):
        strategy = heldout_strategy(reward_ema=0.5, reward_ema_of=ema_of)
        now = {(0, 0): 0.5, (0, 1): 1.0, (1, 0): 0.9, (1, 1): 0.9}  # dataset falls 0.25 and 0.1
        probe = _held_probe(strategy, now)
        first = strategy.update(probe, 50)["global_reward"]
        return first, strategy.update(probe, 100)["global_reward"]  # nothing moved since

    first, second = two_updates("scores")
    assert first == pytest.approx([0.5, 0.5 * math.exp(2 * (0.4 - 1))]) and second == pytest.approx(first)
    first, second = two_updates("tilts")
    assert first == pytest.approx([0.5, 0.5 * math.exp(2 * (0.4 - 1))])
    assert second == pytest.approx([0.5, 0.5 * math.exp(2 * (0.2 - 0.5))])  # half of each scaled score


def test_heldout_lapse_returns_to_the_prior_once_a_lead_is_no_longer_measured():
    """heldout_lapse N: a positive scaled score counts while the dataset's probe loss has fallen
    (here: at all, no threshold) over the last N updates, then 0; the EMA of the scores alone keeps a
    lead measured once in full for as long as nothing else moves."""
    strategy = heldout_strategy(reward_ema=0.5, heldout_lapse=2)
    now = {(0, 0): 0.5, (0, 1): 1.0, (1, 0): 1.0, (1, 1): 1.0}  # dataset 0 falls 0.25, dataset 1 not at all
    probe = _held_probe(strategy, now)
    full_lead = [0.5, 0.5 * math.exp(-2.0)]  # scores 1 and 0, tilt 2
    assert strategy.update(probe, 50)["global_reward"] == pytest.approx(full_lead)
    assert strategy.window_clear == pytest.approx([0.25, 0.0])
    # nothing moves: over the last 2 updates (since the base model) dataset 0's loss still fell 0.25
    assert strategy.update(probe, 100)["global_reward"] == pytest.approx(full_lead)
    resumed = heldout_strategy(reward_ema=0.5, heldout_lapse=2)
    resumed.load_state_dict(strategy.state_dict())
    assert resumed.probe_history == strategy.probe_history and len(strategy.probe_history) == 2
    # over the last 2 updates nothing fell: the lead has lapsed, back to the prior
    assert strategy.update(probe, 150)["global_reward"] == pytest.approx([0.5, 0.5])
    assert resumed.update(probe, 150)["global_reward"] == pytest.approx([0.5, 0.5])
    now[(1, 0)] = 0.5  # dataset 1 now falls by 0.25: averaged scores 0.25 and 1, dataset 0's lapsed to 0
    assert strategy.update(probe, 200)["global_reward"] == pytest.approx([0.5 * math.exp(-2.0), 0.5])
    held = heldout_strategy(reward_ema=0.5)
    now[(1, 0)] = 1.0
    for step in (50, 100, 150):
        kept = held.update(probe, step)["global_reward"]
    assert kept == pytest.approx(full_lead)
    with pytest.raises(ConfigError, match="heldout_lapse"):
        load_config(None, ["sampling.heldout_lapse=0"])


def test_global_moves_on_evidence_hold_the_mixture_while_no_fall_clears_the_noise():
    """global_moves on_evidence: with nothing new measured the EMA keeps the last lead's shape at full
    tilt, and by default the actor keeps stepping toward it; on evidence it holds until a fall clears."""
    def run(moves):
        strategy = heldout_strategy(reward_ema=0.5, heldout_threshold=0.0, global_moves=moves)
        now = {(0, 0): 0.5, (0, 1): 0.5, (1, 0): 1.0, (1, 1): 1.0}  # dataset 0 falls, dataset 1 does not
        probe = _held_probe(strategy, now)
        records, shares = [], []
        for step in (50, 100, 150):
            if step == 150:
                now[(1, 0)] = now[(1, 1)] = 0.5  # dataset 1 falls
            records.append(strategy.update(probe, step))
            shares.append(strategy.global_actor.probabilities.tolist())
        return records, shares

    records, shares = run("on_evidence")
    assert shares[0][0] > 0.5 and "global" not in records[0]["skipped"]  # a clear fall: the mixture moves
    assert shares[1] == shares[0] and "global" in records[1]["skipped"]  # nothing fell: it holds
    assert records[1]["global_reward"] == pytest.approx(records[0]["global_reward"])  # the EMA still holds the lead
    reward = records[2]["global_reward"]  # dataset 1 falls: the lead is its, and the mixture moves again
    assert reward[1] > reward[0] and shares[2] != shares[1] and "global" not in records[2]["skipped"]
    always_records, always = run("always")
    assert always[0] == pytest.approx(shares[0]) and always[1][0] > always[0][0]  # by default: on toward the lead
    assert always_records[1]["skipped"] == []
    with pytest.raises(ConfigError, match="global_moves"):
        load_config(None, ["sampling.global_moves=on_evidence", "sampling.global_reward=gradient-norm"])
    with pytest.raises(ConfigError, match="global_moves"):
        load_config(None, ["sampling.global_moves=on_evidence", "sampling.heldout_threshold=null"])


def test_hold_steps_keep_the_start_and_score_the_first_fall_from_the_last_measurement():
    """hold_steps: update points up to it move nothing and compute no reward, but measure the probe,
    so the first update after it scores the fall since that measurement, not since the base model;
    a resume inside the hold carries the measurement."""
    strategy = heldout_strategy(hold_steps=100)
    # the first 100 steps: dataset 0 falls 0.5 (a fast first fall), dataset 1 not at all
    now = {(0, 0): 0.5, (0, 1): 0.5, (1, 0): 1.0, (1, 1): 1.0}
    probe = _held_probe(strategy, now)
    start = strategy.probabilities()
    for step in (50, 100):
        record = strategy.update(probe, step)
        assert record == {"global_reward": None, "local_reward": None, "global_score": None, "skipped": []}
        assert strategy.probabilities() == start
    assert strategy.probe_loss() == pytest.approx([0.5, 1.0])  # measured all the same
    resumed = heldout_strategy(hold_steps=100)
    resumed.load_state_dict(strategy.state_dict())
    # then dataset 1 falls 0.25 and dataset 0 stands still: dataset 1 leads (since the base model,
    # dataset 0's fall of 0.5 would have led)
    now[(1, 0)] = now[(1, 1)] = 0.75
    lead_of_1 = [0.5 * math.exp(-2.0), 0.5]
    assert strategy.update(probe, 150)["global_reward"] == pytest.approx(lead_of_1)
    assert resumed.update(probe, 150)["global_reward"] == pytest.approx(lead_of_1)
    assert strategy.probabilities()[0][1] > 0.5
    unheld = heldout_strategy()
    now.update({(0, 0): 0.5, (0, 1): 0.5, (1, 0): 0.75, (1, 1): 0.75})
    assert unheld.update(probe, 150)["global_reward"] == pytest.approx([0.5, 0.5 * math.exp(-1.0)])  # falls 0.5, 0.25
    with pytest.raises(ConfigError, match="hold_steps"):
        load_config(None, ["sampling.hold_steps=-1"])


def test_hold_steps_leave_no_fall_in_the_trend_window():
    """heldout_trend: the first update after the hold scores the fall since the hold's last
    measurement alone (a trend over the falls of steps 50, 100 and 150 would let dataset 0's first
    fall lead)."""
    strategy = heldout_strategy(hold_steps=100, heldout_trend=3, heldout_threshold=0.0)
    now = {(0, 0): 0.5, (0, 1): 0.5, (1, 0): 1.0, (1, 1): 1.0}  # the hold: dataset 0 falls 0.5
    probe = _held_probe(strategy, now)
    for step in (50, 100):
        strategy.update(probe, step)
    now[(1, 0)] = now[(1, 1)] = 0.75  # then dataset 1 falls 0.25, dataset 0 stands still
    assert strategy.update(probe, 150)["global_reward"] == pytest.approx([0.5 * math.exp(-2.0), 0.5])


def test_hold_steps_leave_no_fall_in_the_lapse_window():
    """heldout_lapse: the window a lead must have fallen over starts after the hold. Dataset 0 falls
    in the hold (1 -> 0.5 by step 100), leads after it (0.1 at step 150), then rises to 0.55: over
    the window from step 100 it has not fallen, so its lead (still positive through the EMA) lapses;
    a window reaching back to step 50 would keep it."""
    strategy = heldout_strategy(hold_steps=100, heldout_lapse=3, heldout_fall="absolute", reward_ema=0.2)
    now = {(0, 0): 1.0, (0, 1): 1.0, (1, 0): 1.0, (1, 1): 1.0}
    probe = _held_probe(strategy, now)
    strategy.update(probe, 50)
    now[(0, 0)] = now[(0, 1)] = 0.5
    strategy.update(probe, 100)
    now[(0, 0)] = now[(0, 1)] = 0.1
    assert strategy.update(probe, 150)["global_reward"] == pytest.approx([0.5, 0.5 * math.exp(-2.0)])
    now[(0, 0)] = now[(0, 1)] = 0.55
    assert strategy.update(probe, 200)["global_reward"] == pytest.approx([0.5, 0.5])  # lapsed: the prior


def test_likelihood_fall_scores_each_whole_answer_by_its_length():
    """heldout_fall likelihood: each probe example's mean loss times its response length is -log P of
    its answer; scores are the rise in mean P since the last update (the base model's loss first)."""
    strategy = heldout_strategy(heldout_fall="likelihood")
    probe_of = _probe_of(strategy)
    length = {(0, 0): 1, (0, 1): 1, (1, 0): 2, (1, 1): 20}
    now = {(0, 0): 0.0, (0, 1): 1.0, (1, 0): 0.5, (1, 1): 0.5}  # base: 1 nat per token everywhere
    probe = _held_probe(strategy, now)
    probe.response_lengths = lambda idx: torch.tensor([length[probe_of[i]] for i in idx], dtype=torch.float64)
    record = strategy.update(probe, 50)
    e = math.exp
    level_gain = {(0, 0): 1 - e(-1), (0, 1): 0.0, (1, 0): e(-1) - e(-2), (1, 1): e(-10) - e(-20)}
    falls = [(level_gain[d, 0] + level_gain[d, 1]) / 2 for d in (0, 1)]
    assert record["global_reward"] == pytest.approx([0.5, 0.5 * e(2 * (falls[1] / falls[0] - 1))])
    # levels on one scale: the long answer whose loss halved gains almost nothing, as its exact match would
    scale = level_gain[0, 0]
    assert record["local_reward"][1] == pytest.approx(
        [0.5, 0.5 * e(2 * (level_gain[1, 1] - level_gain[1, 0]) / scale)])


def test_heldout_threshold_leaves_the_prior_where_falls_are_within_the_probes_scatter():
    levels = [[list(range(0, 12)), list(range(12, 24))], [list(range(24, 36)), list(range(36, 48))]]
    base = torch.ones(48, dtype=torch.float64)

    def rewards(threshold, now, units="fall"):
        cfg = SamplingConfig(global_reward="heldout", local_reward="heldout", probe_per_level=3, tilt=2.0,
                             reward_ema=None, heldout_threshold=threshold, heldout_per_example=False,
                             heldout_units=units, **LOSS_FALLS)
        strategy = HBOStrategy(levels, cfg, base, base)
        probe = FakeProbe(None)
        position = {i: p for p, i in enumerate(strategy.probe_indices)}
        probe.losses = lambda idx: torch.tensor([now[position[i]] for i in idx], dtype=torch.float64)
        return strategy.update(probe, 50)["global_reward"]

    # dataset 0's probe falls by 0.1 on average with a wide scatter, dataset 1's by 0.05, each alike
    scattered = [0.4, 1.2, 0.9, 1.1, 0.8, 1.0] + [0.95] * 6
    assert rewards(None, scattered) == pytest.approx([0.5, 0.5 * math.exp(2 * (0.5 - 1))])  # the scatter tilts
    assert rewards(2.0, scattered)[0] < rewards(2.0, scattered)[1]  # dataset 0 is noise; dataset 1 is real
    assert rewards(2.0, [1.0] * 6 + [0.9, 1.1, 1.0, 1.0, 0.95, 1.05]) == pytest.approx([0.5, 0.5])  # no evidence: the prior
    # in standard errors: dataset 1's small but consistent fall is the clearer one, and leads
    units = rewards(None, [0.4, 1.2, 0.9, 1.1, 0.8, 1.0] + [0.95, 0.94, 0.96, 0.95, 0.94, 0.96], "errors")
    assert units[1] == pytest.approx(0.5) and units[0] < 0.5
    falls = [0.1, 0.05]  # each dataset's relative fall: (6 - 5.4) / 6 and (6 - 5.7) / 6
    errors = [float(torch.tensor([0.6, -0.2, 0.1, -0.1, 0.2, 0.0]).std()) * 6 ** 0.5 / 6,
              float(torch.tensor([0.05, 0.06, 0.04, 0.05, 0.06, 0.04]).std()) * 6 ** 0.5 / 6]
    z = [f / e for f, e in zip(falls, errors)]
    assert units[0] == pytest.approx(0.5 * math.exp(2 * (z[0] / z[1] - 1)))
    with pytest.raises(ConfigError, match="standard error"):
        load_config(None, ["sampling.heldout_fall=median", "sampling.heldout_threshold=null",
                           "sampling.heldout_units=errors"])
    with pytest.raises(ConfigError, match="heldout_threshold=null"):
        load_config(None, ["sampling.heldout_fall=median"])  # the default threshold needs a standard error
    with pytest.raises(ConfigError, match="heldout_measure=loss"):  # the default measure has no median fall
        load_config(None, ["sampling.heldout_fall=median", "sampling.heldout_threshold=null"])
    loss = "sampling.heldout_measure=loss"
    assert load_config(None, [loss, "sampling.heldout_fall=median", "sampling.heldout_threshold=null"]).sampling.heldout_threshold is None
    assert load_config(None, [loss, "sampling.heldout_fall=likelihood", "sampling.heldout_threshold=2"]).sampling.heldout_threshold == 2
    with pytest.raises(ConfigError, match=">= 0"):
        load_config(None, ["sampling.heldout_threshold=-1"])


def test_heldout_rewards_read_no_training_signals_and_other_rewards_carve_no_probe():
    assert not heldout_strategy(reward_source="train").reads_training_signals
    assert heldout_strategy(local_reward="improvement", reward_source="train").reads_training_signals
    plain = heldout_strategy(global_reward="progress", local_reward="improvement")
    assert plain.training_levels == plain.levels and plain.probe_indices == [] and plain.probe_loss() is None
    assert plain.probe_answer_means() is None and heldout_strategy().probe_answer_means() is None
    with pytest.raises(ConfigError, match="probe_per_level"):
        load_config(None, ["sampling.probe_per_level=0"])


def test_heldout_per_example_divides_each_fall_by_its_sampling_probability():
    levels = [[list(range(0, 12)), list(range(12, 24))], [list(range(24, 28)), list(range(28, 32))]]  # prior 3/4, 1/4
    ones = torch.ones(32, dtype=torch.float64)

    def rewards(per_example):
        cfg = SamplingConfig(global_reward="heldout", local_reward="heldout", tilt=3.0, reward_ema=None,
                             heldout_per_example=per_example)
        return HBOStrategy(levels, cfg, ones, ones).global_rewards(None, ([0.3, 0.1], None))

    # 0.3 / 0.75 = 0.1 / 0.25: the same return per unit of sampling, so the prior stays
    assert rewards(True) == pytest.approx([0.75, 0.25])
    assert rewards(False) == pytest.approx([0.75, 0.25 * math.exp(3 * (1 / 3 - 1))])


def test_run_scale_keeps_the_largest_score_of_the_run():
    def twice(scale):
        strategy = heldout_strategy(tilt_scale=scale)
        strategy.global_rewards(None, ([0.2, 0.1], None))
        return strategy, strategy.global_rewards(None, ([0.02, 0.01], None))

    # per update: 0.02 and 0.01 are 1 and 0.5 of this update's largest, as 0.2 and 0.1 were
    assert twice("update")[1] == pytest.approx([0.5, 0.5 * math.exp(2 * (0.5 - 1))])  # tilt 2
    # per run: they are 0.1 and 0.05 of the largest so far (0.2), and tilt little
    strategy, rewards = twice("run")
    assert rewards == pytest.approx([0.5, 0.5 * math.exp(2 * (0.05 - 0.1))])
    resumed = heldout_strategy(tilt_scale="run")
    resumed.load_state_dict(strategy.state_dict())
    assert resumed.global_rewards(None, ([0.02, 0.01], None)) == pytest.approx(rewards)


def test_heldout_credit_attributed_hands_each_fall_to_the_datasets_that_lowered_it():
    """Probe 0 falls 50% and only dataset 0's gradient lowers it; probe 1 falls 20% and both lower it
    alike: dataset 0 is credited 0.5 + 0.1, dataset 1 0.1 (under the own-probe credit 0.5 and 0.2)."""
    strategy = heldout_strategy(heldout_credit="attributed", alignment_samples_per_level=2)
    probe_of = _probe_of(strategy)
    now = {(0, 0): 0.5, (0, 1): 0.5, (1, 0): 0.8, (1, 1): 0.8}  # base loss 1: falls of 50% and 20%
    probe = _held_probe(strategy, now)
    dots = torch.tensor([[2.0, 1.0], [0.0, 1.0]])  # [training gradient of d, probe gradient of j]

    def cross_dots(groups, references):
        probe.groups = groups + references
        return dots.to(torch.float64)

    probe.gradient_cross_dots = cross_dots
    record = strategy.update(probe, 50)
    train, held = probe.groups[:2], probe.groups[2:]
    probe_examples = set(strategy.probe_indices)
    assert all(len(group) == 4 and not probe_examples & set(group) for group in train)  # 2 per level, 2 levels
    assert [[probe_of[i][0] for i in group] for group in held] == [[0], [1]]  # each probe's best-fitted half
    # contributions (p = 0.5 each): [[1, 0.5], [0, 0.5]]; credit 0.6 and 0.1, per unit of probability
    # 1.2 and 0.2 -> scores 1 and 1/6 of the largest (tilt 2)
    assert record["global_reward"] == pytest.approx([0.5, 0.5 * math.exp(2 * (1 / 6 - 1))])
    own = heldout_strategy(alignment_samples_per_level=2).update(_held_probe(strategy, now), 50)
    assert own["global_reward"] == pytest.approx([0.5, 0.5 * math.exp(2 * (0.4 - 1))])
    with pytest.raises(ConfigError, match="heldout_credit"):
        load_config(None, ["sampling.heldout_credit=attributed", "sampling.global_reward=transfer"])


def test_transfer_reward_by_hand():
    """Training draws come from the training levels (never the probe), the probe groups are each
    dataset's probe; the prior is tilted by sum_j <g_d, h_j> / L_j over the largest |score|."""
    strategy = heldout_strategy(global_reward="transfer", alignment_samples_per_level=2)
    probe_examples = set(strategy.probe_indices)
    probe_of = {i: d for d, dataset in enumerate(strategy.probe_levels) for level in dataset for i in level}
    now = {0: 0.5, 1: 0.25}  # each dataset's probe loss now
    probe = FakeProbe(None)
    probe.losses = lambda idx: torch.tensor([now[probe_of[i]] for i in idx], dtype=torch.float64)
    g, h = torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([[2.0, 0.0], [0.0, 1.0]])  # g0 g1, h0 h1

    def dots(groups, references, weights, unit=False):
        probe.groups, probe.unit = groups + references, unit
        return g @ (torch.tensor(weights, dtype=torch.float32) @ h)

    probe.gradient_dots = dots
    record = strategy.update(probe, 50)
    train, held = probe.groups[:2], probe.groups[2:]
    assert all(len(group) == 4 and not probe_examples & set(group) for group in train)  # 2 per level, 2 levels
    assert [sorted(g) for g in held] == [sorted(i for level in ds for i in level) for ds in strategy.probe_levels]
    # s0 = <g0,h0>/0.5 + <g0,h1>/0.25 = 4; s1 = 2/0.5 + 1/0.25 = 8 -> scores 0.5, 1 of the largest (tilt 2)
    assert record["global_reward"] == pytest.approx([0.5 * math.exp(2 * (0.5 - 1)), 0.5])
    assert strategy.probabilities()[0][1] > 0.5 and probe.unit is False


def test_transfer_unit_step_credits_a_datasets_gradient_by_its_direction():
    """transfer_step unit: each training gradient is scaled to unit length before its dot with the
    weighted probe gradients (what ModelProbe.gradient_dots does with unit=True, checked against
    backward in tests/measure), so a dataset is not credited for the size of its gradient."""
    strategy = heldout_strategy(global_reward="transfer", transfer_step="unit", alignment_samples_per_level=2)
    probe_of = {i: d for d, dataset in enumerate(strategy.probe_levels) for level in dataset for i in level}
    now = {0: 0.5, 1: 0.25}
    probe = FakeProbe(None)
    probe.losses = lambda idx: torch.tensor([now[probe_of[i]] for i in idx], dtype=torch.float64)
    g, h = torch.tensor([[3.0, 0.0], [1.0, 1.0]]), torch.tensor([[2.0, 0.0], [0.0, 1.0]])  # g0 is 3x longer

    def dots(groups, references, weights, unit=False):
        probe.unit = unit
        steps = g / g.norm(dim=1, keepdim=True) if unit else g
        return steps @ (torch.tensor(weights, dtype=torch.float32) @ h)

    probe.gradient_dots = dots
    record = strategy.update(probe, 50)
    # target = 2 * h0 + 4 * h1 = (4, 4); unit steps: s0 = 4, s1 = 8 / sqrt(2) (raw: 12 and 8, g0 ahead)
    s0, s1 = 4.0, 8.0 / math.sqrt(2)
    assert probe.unit is True
    assert record["global_reward"] == pytest.approx([0.5 * math.exp(2 * (s0 / s1 - 1)), 0.5])
    with pytest.raises(ConfigError, match="transfer_step"):
        load_config(None, ["sampling.transfer_step=unit"])  # the default's global reward is heldout


def test_transfer_small_loss_probe_keeps_each_datasets_best_fitted_half():
    """transfer_probe small_loss: each dataset's probe gradient and loss come from the half of its probe
    with the smallest loss at this update (here one of two examples), so an example the model cannot
    fit (a random answer) is left out of what the other datasets are credited against."""
    strategy = heldout_strategy(global_reward="transfer", transfer_probe="small_loss", alignment_samples_per_level=2)
    probe_of = _probe_of(strategy)
    now = {(0, 0): 0.2, (0, 1): 0.8, (1, 0): 0.9, (1, 1): 0.1}  # each probe example's loss now
    probe = _held_probe(strategy, now)
    g, h = torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([[2.0, 0.0], [0.0, 1.0]])

    def dots(groups, references, weights, unit=False):
        probe.references, probe.weights = references, weights
        return g @ (torch.tensor(weights, dtype=torch.float32) @ h)

    probe.gradient_dots = dots
    record = strategy.update(probe, 50)
    assert [[probe_of[i] for i in group] for group in probe.references] == [[(0, 0)], [(1, 1)]]
    assert probe.weights == pytest.approx([1 / 0.2, 1 / 0.1])  # 1 / the kept half's mean loss
    # s0 = 2/0.2 + 0/0.1 = 10; s1 = 2/0.2 + 1/0.1 = 20 -> 0.5 and 1 of the largest (tilt 2)
    assert record["global_reward"] == pytest.approx([0.5 * math.exp(2 * (0.5 - 1)), 0.5])
    with pytest.raises(ConfigError, match="transfer_probe"):
        load_config(None, ["sampling.transfer_probe=small_loss"])  # the default's global reward is heldout


def test_heldout_trend_tells_a_steady_fall_from_the_models_jitter():
    """Dataset 0's probe loss falls 10% at every update; dataset 1's jumps up 20% and back, every probe
    example alike, so the examples' scatter is 0 and the fall back from each jump looks clear. Over
    the last 3 updates its falls scatter as widely as they are large, and the trend does not clear."""
    series = {0: [0.9, 0.81, 0.729, 0.6561], 1: [1.2, 1.0, 1.2, 1.0]}

    def falls(**overrides):
        strategy = heldout_strategy(heldout_threshold=2.0, **overrides)
        dataset_of = {i: d for d, dataset in enumerate(strategy.probe_levels) for level in dataset for i in level}
        probe, seen = FakeProbe(None), []
        for update in range(4):
            probe.losses = lambda idx, u=update: torch.tensor([series[dataset_of[i]][u] for i in idx], dtype=torch.float64)
            if update == 2:  # a resumed run carries the falls it has seen
                resumed = heldout_strategy(heldout_threshold=2.0, **overrides)
                resumed.load_state_dict(strategy.state_dict())
                strategy = resumed
            seen.append(strategy.heldout_falls(probe)[0])
        return seen

    plain = falls()
    assert plain[3] == pytest.approx([0.1, 1 / 6])  # the fall back from the jump counts in full
    trend = falls(heldout_trend=3)
    assert trend[0] == pytest.approx([0.1, -0.2])  # one fall: the examples' scatter alone (0 here)
    assert trend[1] == pytest.approx([0.1, (-0.2 + 1 / 6) / 2])
    # three falls on: dataset 1's mean is inside 2 standard errors of the falls' own scatter
    assert trend[2] == pytest.approx([0.1, 0.0], abs=1e-12) and trend[3] == pytest.approx([0.1, 0.0], abs=1e-12)
    for bad in (["sampling.heldout_trend=2"], ["sampling.heldout_trend=3", "sampling.heldout_threshold=null"]):
        with pytest.raises(ConfigError, match="heldout_trend"):
            load_config(None, bad)


def test_wrong_tokens_measure_scores_falls_in_wrong_answer_tokens():
    """heldout_measure wrong_tokens: ``start`` reads the base model's wrong-token shares on the probe;
    each update's falls are those shares' (here absolute: points of token accuracy), while the logged
    probe loss stays the loss. A loss that falls with no token turning right scores nothing."""
    strategy = heldout_strategy(heldout_measure="wrong_tokens", heldout_fall="absolute")
    wrong = {(0, 0): 0.5, (0, 1): 0.5, (1, 0): 0.5, (1, 1): 0.5}
    loss = {(0, 0): 1.0, (0, 1): 1.0, (1, 0): 1.0, (1, 1): 1.0}
    probe = _answer_probe(strategy, lambda key: [loss[key], wrong[key], 2 * wrong[key], 0.5])
    with pytest.raises(RuntimeError, match="start"):  # never measured before training: no baseline to fall from
        heldout_strategy(heldout_measure="wrong_tokens", heldout_fall="absolute").update(probe, 50)
    assert strategy.probe_answer_means() == dict.fromkeys(ANSWER_COLUMNS, [None, None])  # not measured yet
    strategy.start(probe)
    assert strategy.last_probe_losses == [0.5] * 4 and strategy.probe_answer_means()["wrong_tokens"] == [0.5, 0.5]
    # dataset 0: one level's share of wrong tokens falls 0.5 -> 0.25, losses unchanged; dataset 1: its
    # losses halve and no token turns right
    wrong[0, 0] = 0.25
    loss[1, 0] = loss[1, 1] = 0.5
    record = strategy.update(probe, 50)
    assert strategy.probe_loss() == pytest.approx([1.0, 0.5])
    logged = strategy.probe_answer_means()
    assert logged["wrong_tokens"] == pytest.approx([0.375, 0.5])  # the log's: each dataset's mean share
    assert logged["margin"] == pytest.approx([0.75, 1.0])  # and mean margin deficit, from the same pass
    assert logged["wrong_mass"] == pytest.approx([0.5, 0.5])  # and wrong mass
    # dataset falls 0.125 and 0 -> scores 1 and 0 (prior 1/2 each, tilt 2)
    assert record["global_reward"] == pytest.approx([0.5, 0.5 * math.exp(-2)])
    assert record["local_reward"][0] == pytest.approx([0.5, 0.5 * math.exp(-2)])  # level falls 0.25 and 0
    assert record["local_reward"][1] == pytest.approx([0.5, 0.5])
    resumed = heldout_strategy(heldout_measure="wrong_tokens", heldout_fall="absolute")
    resumed.load_state_dict(strategy.state_dict())  # no start: the last shares come with the state
    assert resumed.probe_answer_means() == logged
    wrong[1, 0] = 0.0
    assert resumed.update(probe, 100) == strategy.update(probe, 100)


def test_margin_measure_scores_falls_of_the_answer_tokens_margin_deficits():
    """heldout_measure margin reads the third column of the probe's one pass (each example's mean
    shortfall of its answer tokens' logits below the best other token's): a wrong token drawing
    nearer to being chosen counts before it turns right, a loss that falls with no deficit moving
    does not, and the wrong-token share, also in the pass, is not what is scored."""
    strategy = heldout_strategy(heldout_measure="margin", heldout_fall="absolute")
    margin = {(0, 0): 2.0, (0, 1): 2.0, (1, 0): 2.0, (1, 1): 2.0}
    loss = {(0, 0): 1.0, (0, 1): 1.0, (1, 0): 1.0, (1, 1): 1.0}
    probe = _answer_probe(strategy, lambda key: [loss[key], 0.5, margin[key], 0.5])
    strategy.start(probe)
    assert strategy.last_probe_losses == [2.0] * 4
    logged = strategy.probe_answer_means()
    assert logged["margin"] == [2.0, 2.0] and logged["wrong_tokens"] == [0.5, 0.5]  # both logged
    margin[0, 0] = 1.0  # dataset 0: one level's deficit falls by 1 (no token turned right: the share stays)
    loss[1, 0] = loss[1, 1] = 0.5  # dataset 1: its losses halve, its deficits stay
    record = strategy.update(probe, 50)
    assert strategy.probe_loss() == pytest.approx([1.0, 0.5])
    # dataset falls 0.5 and 0 -> scores 1 and 0 (prior 1/2 each, tilt 2)
    assert record["global_reward"] == pytest.approx([0.5, 0.5 * math.exp(-2)])
    assert record["local_reward"][0] == pytest.approx([0.5, 0.5 * math.exp(-2)])


def test_wrong_mass_measure_scores_falls_of_the_probability_left_on_wrong_tokens():
    """heldout_measure wrong_mass reads the fourth column of the probe's one pass (each example's mean
    1 - p(right token)): a right token growing surer counts, a loss that falls with that probability
    unmoved does not, and neither the wrong-token share nor the margin is what is scored."""
    strategy = heldout_strategy(heldout_measure="wrong_mass", heldout_fall="absolute")
    mass = {(0, 0): 0.6, (0, 1): 0.6, (1, 0): 0.6, (1, 1): 0.6}
    loss = {(0, 0): 1.0, (0, 1): 1.0, (1, 0): 1.0, (1, 1): 1.0}
    probe = _answer_probe(strategy, lambda key: [loss[key], 0.5, 2.0, mass[key]])
    strategy.start(probe)
    assert strategy.last_probe_losses == [0.6] * 4 and strategy.probe_answer_means()["wrong_mass"] == [0.6, 0.6]
    mass[0, 0] = 0.2  # dataset 0: one level's wrong mass falls by 0.4 (no greedy choice changed)
    loss[1, 0] = loss[1, 1] = 0.5  # dataset 1: its losses halve, its wrong mass stays
    record = strategy.update(probe, 50)
    # dataset falls 0.2 and 0 -> scores 1 and 0 (prior 1/2 each, tilt 2)
    assert record["global_reward"] == pytest.approx([0.5, 0.5 * math.exp(-2)])
    assert record["local_reward"][0] == pytest.approx([0.5, 0.5 * math.exp(-2)])
    assert record["local_reward"][1] == pytest.approx([0.5, 0.5])


def test_a_checkpoint_continues_only_under_the_measure_its_probe_was_read_by():
    """The first fall after a resume compares the probe's measure now with the one saved: a wrong mass
    against a loss would be a fall of nothing real. So a checkpoint resumes under its own measure only;
    one written before the measure was saved tells it by its answer means (an answer measure's only)."""
    wrong_mass = {"heldout_measure": "wrong_mass", "heldout_fall": "absolute"}
    default = heldout_strategy(**wrong_mass)
    default.start(_answer_probe(default, lambda key: [1.0, 0.5, 2.0, 0.6]))
    default.update(_answer_probe(default, lambda key: [0.9, 0.5, 2.0, 0.5]), 50)
    state = default.state_dict()
    with pytest.raises(ValueError, match="read by wrong_mass.*heldout_measure=wrong_mass"):
        heldout_strategy().load_state_dict(state)  # the probe's loss
    heldout_strategy(**wrong_mass).load_state_dict(state)
    loss = heldout_strategy()
    loss.update(_held_probe(loss, {(0, 0): 0.9, (0, 1): 0.9, (1, 0): 0.9, (1, 1): 0.9}), 50)
    older = {k: v for k, v in loss.state_dict().items() if k != "heldout_measure"}  # before it was saved
    with pytest.raises(ValueError, match="read by loss.*heldout_measure=loss sampling.heldout_fall=total"):
        heldout_strategy(**wrong_mass).load_state_dict(older)
    heldout_strategy().load_state_dict(older)
    older = {k: v for k, v in state.items() if k != "heldout_measure"}
    with pytest.raises(ValueError, match="read by an answer measure"):
        heldout_strategy().load_state_dict(older)


def test_every_answer_measure_reads_a_column_of_the_probes_pass():
    from typing import get_args

    from hbo.config.schema import HeldoutMeasure

    assert set(ANSWER_COLUMNS) == set(get_args(HeldoutMeasure)) - {"loss"}
    assert sorted(ANSWER_COLUMNS.values()) == list(range(1, len(ANSWER_COLUMNS) + 1))  # after the loss, none shared


def test_wrong_tokens_measure_needs_a_fall_of_counts():
    for fall in ("median", "likelihood"):
        with pytest.raises(ConfigError, match="wrong_tokens"):
            load_config(None, ["sampling.heldout_measure=wrong_tokens", f"sampling.heldout_fall={fall}",
                               "sampling.heldout_threshold=null"])
    assert load_config(None, ["sampling.heldout_measure=wrong_tokens"]).sampling.heldout_fall == "absolute"
    for measure in ("margin", "wrong_mass"):
        with pytest.raises(ConfigError, match=measure):
            load_config(None, [f"sampling.heldout_measure={measure}", "sampling.heldout_fall=likelihood"])


def test_global_draw_average_draws_from_the_mean_of_the_actors_distributions_so_far():
    """Under ``global_draw: average`` (the default) the actor moves as under ``actor``, but datasets are drawn from
    the mean of its distributions at the prior and every update point, and each fall is divided by that
    drawn probability; a checkpoint carries the mean."""
    falls = {(0, 0): 0.5, (0, 1): 0.7, (1, 0): 0.9, (1, 1): 0.9}  # dataset 0's loss falls, dataset 1's less
    actor, average = heldout_strategy(global_draw="actor"), heldout_strategy(global_draw="average")
    seen = [average.global_actor.probabilities.tolist()]
    assert average.probabilities()[0] == pytest.approx(seen[0]) == actor.probabilities()[0]  # the prior
    for step in (50, 100):
        actor.update(_held_probe(actor, falls), step)
        average.update(_held_probe(average, falls), step)
        seen.append(average.global_actor.probabilities.tolist())
        if step == 50:  # both drew from the prior, so the same rewards and the same actor
            assert seen[-1] == pytest.approx(actor.probabilities()[0])
    mean = [sum(p[d] for p in seen) / 3 for d in range(2)]
    drawn, local = average.probabilities()
    assert drawn == pytest.approx(mean) and seen[0][0] < drawn[0] < seen[-1][0]
    for mine, theirs in zip(local, actor.probabilities()[1]):  # the local actors draw as before
        assert mine == pytest.approx(theirs)
    assert local[0][0] > 0.5
    # falls are divided by the drawn probabilities (0.3, 0.7), not by the actor's (the prior, 0.5 each)
    divided = heldout_strategy(global_draw="average")
    divided.draw_sum, divided.draw_count = torch.tensor([0.6, 1.4], dtype=torch.float64), 2
    divided.global_rewards(None, ([0.3, 0.7], None))
    assert divided.global_scores == pytest.approx([1.0, 1.0])
    resumed = heldout_strategy(global_draw="average")
    resumed.load_state_dict(average.state_dict())
    assert resumed.probabilities()[0] == pytest.approx(drawn)
    older = {k: v for k, v in average.state_dict().items() if k not in ("draw_sum", "draw_count")}
    with pytest.raises(ValueError, match="global_draw=actor"):
        heldout_strategy(global_draw="average").load_state_dict(older)

"""Hierarchical Balancing Optimization (Wang, Wu, Haddow, Birch; ICLR 2026, arXiv 2505.12300).

A global actor over datasets, started at the temperature prior, and one local actor per dataset over
its difficulty levels, started uniform; at every update point each actor steps toward pi ~ R. The
paper's rewards (``preset: paper``):
- global reward of dataset d: mean per-example gradient norm over examples drawn from each of its
  levels ("learning progress");
- local reward of level k: mean over drawn examples of ratio(now, base), then divided by the mean over
  the dataset's levels ("relative improvement"). ratio is PPL_now / PPL_base (the paper), or the loss
  ratio, or the IFD ratio (``level_ratio``).

Why hbo's default reads something else: the gradient norm is largest where answers are wrong, and
wrong answers never become easy, so the paper's global reward moves samples toward unlearnable data
(the benchmark's ``hard`` mixture shows it). hbo keeps the actors, the hierarchy and the update rule,
and rewards learnability instead (``global_reward: heldout``, ``local_reward: heldout``):
- each dataset keeps a development probe of ``probe_per_level`` examples per level that is never
  trained on (``training_levels`` is what the sampler draws from), so a fall of its measure is
  learning that carries to unseen examples;
- each probe example is read by the probability its answer tokens leave on wrong tokens
  (``heldout_measure: wrong_mass``): a random digit, at best hedged over the ten digits, falls by
  about 0.1 where a learnt token falls by up to 1, so random answers, which can be memorised but not
  learnt, count for little (in loss the hedge falls by about half what learning does);
- a group's score is its examples' mean fall since the last update (``heldout_fall: absolute``),
  shrunk toward 0 by ``heldout_threshold`` standard errors of those falls, so that the scatter of a few
  examples does not pass for progress; a dataset's score is then divided by its sampling probability
  over the window (``heldout_per_example``: the fall bought per unit of sampling);
- the reward is the prior (levels: uniform) tilted by exp(tilt * score / the largest |score|), the
  scores first averaged over updates (``reward_ema``), every dataset's levels on one scale: positive
  by construction, and the prior itself when nothing stands out, so the fixed point pi ~ R stays a
  tilt of the user's prior;
- datasets are drawn from the mean of the global actor's distributions so far (``global_draw:
  average``), so a lead taken late moves the draws by its share of the run.

The options measured against this default (docs/configuration.md says what each does,
docs/benchmark-log.md what it measured): other probe measures and falls (``heldout_measure``,
``heldout_fall``), falls in standard errors (``heldout_units``), leads that lapse (``heldout_lapse``),
falls read over several updates (``heldout_trend``), actors held through the first steps
(``hold_steps``) or moved only on evidence (``global_moves``), scaled scores averaged over updates
(``reward_ema_of: tilts``), each probe's fall handed to the data that caused it (``heldout_credit:
attributed``), and three other global rewards read the same way: ``progress`` (the fall of the trained
examples' own loss), ``alignment`` (the cosine of a dataset's gradient with the mean of all datasets'
unit gradients) and ``transfer`` (the relative fall of every probe that a step on the dataset buys, to
first order; with ``transfer_probe: small_loss`` against the half of each probe with the smallest
loss, which leaves random answers out); and ``local_reward: improvement`` (PPL_base / PPL_now).

The paper's two ablations are the same class with one level of the hierarchy frozen: ``hbo-global``
(local actors stay uniform over levels) and ``hbo-local`` (the global actor stays at the prior).
Choices the paper leaves open, and ours: examples for the rewards are drawn uniformly with
replacement from each level by a generator separate from the training sampler.
With ``reward_source: train`` (not in the paper) nothing is drawn: the same means are taken over the
examples trained on since the last update (see ``hbo.measure.signals``). A level with no such example keeps its
last measured mean; one never measured yet counts as the mean of its peers (dataset: of the other
datasets; level: of its dataset's other levels), so that it neither gains nor loses; for the progress
reward a dataset without a measurement counts as no progress. Numerical rules:
measurements that are not finite (an example with no scored token) are left out of a mean; ratios are
clamped to RATIO_RANGE; an actor whose rewards are still unusable (NaN, negative, all zero) keeps its
distribution for that update and is reported as skipped.
"""
from __future__ import annotations

import math

import torch

from hbo.core.actor import SoftmaxActor
from hbo.core.levels import hold_out, owners
from hbo.core.prior import temperature_prior
from hbo.core.rewards import (HELDOUT_FALLS, ExponentialAverage, alignment_with_mean, attributed_falls, beyond_noise,
                              fall_error, finite_mean, group_means, in_errors, relative_reward, tilted_prior,
                              transfer_weights)
from hbo.strategies.base import ANSWER_COLUMNS, RewardProbe, Strategy
from hbo.strategies.draws import draw


# Ratios now / base are clamped here: exp() of a large loss gap overflows, and one extreme example
# should not decide a level's reward.
RATIO_RANGE = (1e-6, 1e6)


def level_ratio(kind: str, now: torch.Tensor, base: torch.Tensor,
                now_alone: torch.Tensor | None = None, base_alone: torch.Tensor | None = None) -> torch.Tensor:
    """Per-example ratio of the current model's difficulty to the base model's (losses in nats)."""
    if kind == "ppl":
        return (now - base).exp()
    if kind == "loss":
        return now / base
    if kind == "ifd":  # IFD now / IFD base, each a ratio of mean losses
        return (now / now_alone) / (base / base_alone)
    if kind == "improvement":
        return (base - now).exp()
    raise ValueError(f"unknown local reward {kind!r}; choose ppl, loss or ifd")


def reads_heldout_probe(config, update_global: bool = True, update_local: bool = True) -> bool:
    """Whether hbo's strategy under ``config`` (a ``SamplingConfig``) carves and measures a held-out
    development probe: a held-out or transfer global reward, or the held-out local reward, on an
    actor it updates. The benchmarks' run digests ask the same question."""
    return ((update_global and config.global_reward in ("heldout", "transfer"))
            or (update_local and config.local_reward == "heldout"))


class HBOStrategy(Strategy):

    def __init__(self, levels, config, base_loss: torch.Tensor, base_alone_loss: torch.Tensor,
                 update_global: bool = True, update_local: bool = True):
        super().__init__(levels)
        self.config = config
        self.base_loss = torch.as_tensor(base_loss, dtype=torch.float64)
        self.base_alone_loss = torch.as_tensor(base_alone_loss, dtype=torch.float64)
        self.update_global, self.update_local = update_global, update_local
        prior = temperature_prior(self.sizes, config.prior_temperature())
        self.prior = prior
        self.global_actor = SoftmaxActor(prior, config.actor_lr, config.actor_steps, config.actor_lr_decay)
        # global_draw average: the sum of the global actor's distributions so far (the prior, then one per
        # update point) and how many; datasets are drawn from their mean
        self.averaged = config.global_draw == "average" and update_global
        self.draw_sum, self.draw_count = torch.as_tensor(prior, dtype=torch.float64), 1
        self.local_actors = [SoftmaxActor([1.0 / len(ds)] * len(ds), config.actor_lr, config.actor_steps,
                                          config.actor_lr_decay) for ds in self.levels]
        self.ema = ExponentialAverage(config.reward_ema) if config.reward_ema else None
        self.generator = torch.Generator().manual_seed(config.seed + 1)
        self.online = config.rewards_from_training()
        self.dataset_of, self.level_within = owners(self.levels)  # online rewards: where a trained example sits
        nan = float("nan")
        self.last_norms = [[nan] * len(ds) for ds in self.levels]  # online: last measured mean per level
        self.last_ratios = [[nan] * len(ds) for ds in self.levels]
        self.last_losses = [nan] * len(self.levels)  # global_reward progress: each dataset's loss at the last update
        # The held-out rewards' development probe: a few examples of every level, never trained on.
        self.heldout = reads_heldout_probe(config, update_global, update_local)
        if self.heldout:
            self.training_levels, self.probe_levels = hold_out(self.levels, config.probe_per_level, config.seed + 2)
        self.probe_indices = [i for dataset in self.probe_levels for level in dataset for i in level]
        # where each level's probe examples sit in probe_indices: [dataset][level] -> positions
        positions = iter(range(len(self.probe_indices)))
        self.probe_positions = [[[next(positions) for _ in level] for level in dataset] for dataset in self.probe_levels]
        self.dataset_positions = [[p for level in dataset for p in level] for dataset in self.probe_positions]
        base_probe = self.base_loss[torch.as_tensor(self.probe_indices, dtype=torch.long)]
        # an answer measure (heldout_measure other than loss): the column of the probe's pass that is read
        self.answer_column = ANSWER_COLUMNS.get(config.heldout_measure)
        self.answer_measured = self.answer_column is not None  # read from one pass with the losses
        # each probe example's measure (heldout_measure) at the last update: the base model's before the
        # first (an answer measure's is measured by ``start``)
        self.last_probe_losses = [float("nan")] * len(self.probe_indices) if self.answer_measured else base_probe.tolist()
        # each dataset's mean probe loss at the last update (the base model's before the first), for the log
        self.probe_losses_now = self.dataset_probe_losses(base_probe)
        self.probe_example_losses = base_probe  # each probe example's loss at the last update
        # with an answer measure, each dataset's mean wrong-token share and margin deficit on the probe as
        # of the last measurement (both come from the pass that gives the steering one), for the log
        self.answer_means: dict[str, list[float]] = {}
        self.probe_lengths = None  # heldout_fall likelihood: response tokens per probe example, read once
        self.local_emas = [ExponentialAverage(config.reward_ema) for _ in self.levels] if config.reward_ema else None
        self.largest_scores: dict[str, float] = {}  # tilt_scale run: the largest |score| so far, per actor
        # heldout_lapse N: the probe's losses at the last N updates, oldest first (the base model's before any)
        self.probe_history = [list(self.last_probe_losses)]
        # heldout_trend N: each dataset's raw probe-loss falls at the last N updates, oldest first
        self.fall_history: list[list[float]] = []
        # each dataset's fall over that window, as of this update (set before the rewards read it)
        self.window_clear: list[float] = [float("nan")] * len(self.levels)
        # global_reward heldout: each dataset's score at the last update, before the EMA and the tilt (for the log)
        self.global_scores: list[float] | None = None

    @property
    def updates(self) -> bool:
        return self.update_global or self.update_local

    def start(self, probe: RewardProbe) -> None:
        """With an answer measure (``heldout_measure: wrong_tokens``, ``margin`` or ``wrong_mass``), the
        base model's answer measures on the probe (the scoring cache holds its losses only)."""
        if self.heldout and self.answer_measured and self.probe_indices:
            measures = probe.losses_and_answer_measures(self.probe_indices)
            self.last_probe_losses = measures[:, self.answer_column].tolist()
            self.probe_history = [list(self.last_probe_losses)]
            self.keep_answer_means(measures)

    def keep_answer_means(self, measures: torch.Tensor) -> None:
        """Each dataset's mean wrong-token share, margin deficit and wrong mass from the probe's pass
        ([N, 4])."""
        self.answer_means = {name: self.dataset_probe_losses(measures[:, column])
                             for name, column in ANSWER_COLUMNS.items()}

    @property
    def reads_training_signals(self) -> bool:
        global_reads = self.update_global and self.config.global_reward in ("gradient-norm", "progress")
        local_reads = self.update_local and self.config.local_reward != "heldout"
        return self.online and (global_reads or local_reads)

    @property
    def reads_training_gradient_norms(self) -> bool:
        return self.online and self.update_global and self.config.global_reward == "gradient-norm"

    @property
    def drawn_global(self) -> torch.Tensor:
        """The distribution datasets are drawn from: the global actor's, or under ``global_draw:
        average`` the mean of its distributions at the prior and every update point so far."""
        if self.averaged:
            return self.draw_sum / self.draw_count
        return self.global_actor.probabilities

    def probabilities(self):
        return (self.drawn_global.tolist(),
                [actor.probabilities.tolist() for actor in self.local_actors])

    def _carried_level_means(self, indices, values: torch.Tensor, carried: list[list[float]]) -> list[list[float]]:
        """Update ``carried`` with each level's mean of the finite ``values`` measured on ``indices``."""
        groups: dict[tuple[int, int], list[float]] = {}
        for i, v in zip(indices, values.tolist()):
            if v == v and abs(v) != float("inf"):
                groups.setdefault((int(self.dataset_of[i]), int(self.level_within[i])), []).append(v)
        for (d, k), vs in groups.items():
            carried[d][k] = sum(vs) / len(vs)
        return [list(row) for row in carried]

    @staticmethod
    def _fill_unmeasured(values: list[float]) -> list[float]:
        """Never-measured entries (NaN) take the mean of the measured ones (all NaN stays NaN)."""
        known = [v for v in values if v == v]
        mean = sum(known) / len(known) if known else float("nan")
        return [v if v == v else mean for v in values]

    def _draw_from_every_level(self, count: int, levels=None) -> list[list[int]]:
        """``count`` examples from each level of every dataset (of ``levels``, by default all of them),
        pooled per dataset: the global rewards' draws (the paper's estimate spreads them evenly over
        difficulty)."""
        return [[i for level in dataset for i in draw(level, count, self.generator)]
                for dataset in (self.levels if levels is None else levels)]

    def heldout_falls(self, probe: RewardProbe) -> tuple[list[float], list[list[float]]]:
        """The fall of the development probe's measure (``heldout_measure``, as ``heldout_fall``) since
        the last update (since the base model at the first), per dataset and per level. The probe is never trained on, so a fall is
        learning that carries to unseen examples: random answers can be memorised, not learnt, and
        their held-out loss does not keep falling. Unmeasured entries (no probe example) take the
        mean of their peers."""
        if self.answer_measured:
            if self.probe_indices and all(v != v for v in self.last_probe_losses):
                raise RuntimeError(f"heldout_measure {self.config.heldout_measure} needs the base model's answer "
                                   "measures on the probe: call the controller's start(probe) before the first "
                                   "training step")
            measures = probe.losses_and_answer_measures(self.probe_indices)
            losses, now = measures[:, 0], measures[:, self.answer_column]
            self.keep_answer_means(measures)
        else:
            losses = now = probe.losses(self.probe_indices)
        before = torch.tensor(self.last_probe_losses, dtype=torch.float64)
        self.last_probe_losses = [n if n == n else b for n, b in zip(now.tolist(), self.last_probe_losses)]
        groups, whole = self.probe_positions, self.dataset_positions
        self.probe_losses_now = self.dataset_probe_losses(losses)
        self.probe_example_losses = losses  # transfer_probe small_loss picks its probe examples by these
        scale = 1.0
        if self.config.heldout_fall == "likelihood":  # mean token losses -> each whole answer's -log P
            if self.probe_lengths is None:
                self.probe_lengths = probe.response_lengths(self.probe_indices)
            scale = self.probe_lengths
        before, now = before * scale, now * scale
        if self.config.heldout_lapse is not None:  # the fall over the window, and the window moves on
            window_start = torch.tensor(self.probe_history[0], dtype=torch.float64) * scale
            self.window_clear = self.scored_falls(window_start, now, whole, units=False)
            self.probe_history = (self.probe_history + [list(self.last_probe_losses)])[-self.config.heldout_lapse:]
        if self.config.heldout_trend:
            per_dataset = self.trend_falls(before, now, whole)
        else:
            per_dataset = self.scored_falls(before, now, whole)
        per_level = [self.scored_falls(before, now, dataset) for dataset in groups]
        return self._fill_unmeasured(per_dataset), [self._fill_unmeasured(row) for row in per_level]

    def dataset_probe_losses(self, losses: torch.Tensor) -> list[float]:
        """Each dataset's mean of its probe examples' ``losses`` (NaN without any)."""
        return [finite_mean(losses[positions]) for positions in self.dataset_positions]

    def probe_loss(self) -> list[float | None] | None:
        if not self.heldout:
            return None
        return [loss if loss == loss else None for loss in self.probe_losses_now]

    def probe_answer_means(self) -> dict[str, list[float | None]] | None:
        """With an answer measure (``wrong_tokens``, ``margin`` or ``wrong_mass``), all three from the
        same probe pass, at the last measurement; else None."""
        if not (self.heldout and self.answer_measured):
            return None
        unmeasured = [float("nan")] * len(self.levels)
        return {name: [mean if mean == mean else None for mean in self.answer_means.get(name, unmeasured)]
                for name in ANSWER_COLUMNS}

    def scored_falls(self, before: torch.Tensor, now: torch.Tensor, groups: list[list[int]],
                     units: bool = True) -> list[float]:
        """Each group's fall of ``heldout_fall``'s kind from ``before`` to ``now``, shrunk by
        ``heldout_threshold`` standard errors of its examples' falls (what the probe's own scatter
        explains counts for nothing; positive: it cleared the noise), then, with ``units`` and
        ``heldout_units: errors``, in those standard errors (how clearly it stands out, not how large
        it is)."""
        kind, threshold = self.config.heldout_fall, self.config.heldout_threshold
        in_units = units and self.config.heldout_units == "errors"
        falls = HELDOUT_FALLS[kind](before, now, groups)
        if threshold is None and not in_units:
            return falls
        return self.against_noise(falls, fall_error(kind, before, now, groups), in_units)

    def against_noise(self, falls: list[float], errors: list[float], in_units: bool) -> list[float]:
        """``falls`` shrunk by ``heldout_threshold`` of their ``errors`` (when set), then, with
        ``in_units``, in those errors."""
        if self.config.heldout_threshold is not None:
            falls = beyond_noise(falls, errors, self.config.heldout_threshold)
        return in_errors(falls, errors) if in_units else falls

    def trend_falls(self, before: torch.Tensor, now: torch.Tensor, groups: list[list[int]]) -> list[float]:
        """``heldout_trend`` N: each group's mean fall over the last N updates, shrunk (or put in
        standard errors) as in ``scored_falls``, against the larger of two errors of that mean: its
        probe examples' (over sqrt(n)), and, from 3 falls on, the falls' own scatter over the updates
        (their standard deviation over sqrt(n)). At a constant learning rate the model's state jitters
        between updates and moves every probe example of a dataset together: a fall back from a
        jitter's peak is clear of the examples' scatter, not of the updates'."""
        kind = self.config.heldout_fall
        falls = HELDOUT_FALLS[kind](before, now, groups)
        self.fall_history = (self.fall_history + [falls])[-self.config.heldout_trend:]
        history = torch.tensor(self.fall_history, dtype=torch.float64)  # [updates, groups]
        n = history.shape[0]
        means = history.mean(dim=0).tolist()
        spread = (history.std(dim=0) / n ** 0.5).tolist() if n >= 3 else [0.0] * len(groups)
        errors = [max(e / n ** 0.5, s) if e == e else s
                  for e, s in zip(fall_error(kind, before, now, groups), spread)]
        return self.against_noise(means, errors, self.config.heldout_units == "errors")

    def live_leads(self) -> list[float] | None:
        """With ``heldout_lapse`` N: 1 for a dataset whose probe loss has fallen beyond the noise over
        the last N updates (since the base model before the N-th), else 0: its lead has lapsed. Over N
        updates a dataset still being learnt clears the noise even where its fall between two updates
        does not; one whose loss fell once and stopped no longer does. A dataset without a probe
        (a NaN fall) takes its peers' mean, as its fall does. None when the option is off."""
        if self.config.heldout_lapse is None:
            return None
        live = [1.0 if fall > 0 else 0.0 for fall in self.window_clear]
        probed = [any(dataset) for dataset in self.probe_positions]  # has at least one probe example
        known = [value for value, has in zip(live, probed) if has]
        mean = sum(known) / len(known) if known else 1.0
        return [value if has else mean for value, has in zip(live, probed)]

    @staticmethod
    def scaled(scores: list[float], scale: float) -> list[float]:
        """``scores`` over ``scale`` (all 0 when the scale is 0: nothing stood out)."""
        return [s / scale if scale > 0 else 0.0 for s in scores]

    def scale_of(self, scale: float, actor: str = "global") -> float:
        """The scale scores are divided by: ``scale`` (this update's largest |score|), or with
        ``tilt_scale: run`` the largest seen so far in the run for that actor ("global" or "local"),
        so small late scores tilt little and the mixture returns toward its base."""
        if self.config.tilt_scale == "run" and scale == scale:
            scale = self.largest_scores[actor] = max(scale, self.largest_scores.get(actor, 0.0))
        return scale

    def tilt_by(self, base: list[float], scores: list[float], scale: float, actor: str = "global",
                live: list[float] | None = None) -> list[float]:
        """``base`` tilted by exp(tilt * score / scale) (no tilt when the scale is 0; see ``scale_of``),
        each positive scaled score times its dataset's entry of ``live`` when given (see ``live_leads``)."""
        return tilted_prior(base, self.kept(self.scaled(scores, self.scale_of(scale, actor)), live),
                            self.config.tilt)

    @staticmethod
    def kept(scores: list[float], live: list[float] | None) -> list[float]:
        """Positive scores times their entry of ``live`` (see ``live_leads``): a lead counts only while
        recent clear falls back it; a loss that rose (a negative score) counts as it is."""
        if live is None:
            return scores
        return [s * keep if s > 0 else s for s, keep in zip(scores, live)]

    def averaged_tilts(self, bases: list[list[float]], rows: list[list[float]], emas, actor: str,
                       live: list[list[float]] | None = None) -> list[list[float]]:
        """Each base tilted by its row of held-out scores, all rows on one scale (the largest |score|
        among them), each averaged over updates by its EMA (``emas``; None = no averaging): before
        the scaling (``reward_ema_of: scores``), or after it (``tilts``); then positive scaled scores
        times their ``live`` entries (one row per base; None = in full)."""
        live = live or [None] * len(rows)
        if emas and self.config.reward_ema_of == "tilts":
            scale = self.scale_of(max(abs(s) for row in rows for s in row), actor)
            averaged = [ema(self.scaled(row, scale)) for ema, row in zip(emas, rows)]
            return [tilted_prior(base, self.kept(row, keep), self.config.tilt)
                    for base, row, keep in zip(bases, averaged, live)]
        if emas:
            rows = [ema(row) for ema, row in zip(emas, rows)]
        scale = max(abs(s) for row in rows for s in row)
        return [self.tilt_by(base, row, scale, actor, keep) for base, row, keep in zip(bases, rows, live)]

    def global_rewards(self, probe: RewardProbe, falls=None) -> list[float]:
        if self.config.global_reward == "heldout":
            falls_now = falls[0]
            if self.config.heldout_credit == "attributed":
                falls_now = attributed_falls(falls_now, self.fall_contributions(probe))
            if self.config.heldout_per_example:  # the fall bought by each unit of sampling probability
                falls_now = [f / p for f, p in zip(falls_now, self.drawn_global.tolist())]
            self.global_scores = falls_now
            return self.averaged_tilts([self.prior], [falls_now], [self.ema] if self.ema else None, "global",
                                       [self.live_leads()])[0]
        if self.config.global_reward == "alignment":
            return self.alignment_rewards(probe)
        if self.config.global_reward == "transfer":
            return self.transfer_rewards(probe)
        if self.config.global_reward == "progress":
            return self.progress_rewards(probe)
        if self.online:
            indices, _, norms = probe.trained()
            levels = self._carried_level_means(indices, norms, self.last_norms)
            rewards = self._fill_unmeasured([finite_mean(torch.tensor(row, dtype=torch.float64)) for row in levels])
            return self.ema(rewards) if self.ema else rewards
        per_dataset = self._draw_from_every_level(self.config.global_samples_per_level)
        rewards = group_means(probe.gradient_norms([i for indices in per_dataset for i in indices]), per_dataset)
        return self.ema(rewards) if self.ema else rewards

    def alignment_rewards(self, probe: RewardProbe) -> list[float]:
        """prior_d * exp(sharpness * cos(g_d, mean_j g_j / |g_j|)): datasets whose gradient points
        where every dataset's loss falls are sampled more than the prior, the others less."""
        groups = self._draw_from_every_level(self.config.alignment_samples_per_level)
        cosines = alignment_with_mean(probe.gradient_gram(groups))
        if self.ema:
            cosines = self.ema(cosines)
        return tilted_prior(self.prior, cosines, self.config.tilt)

    def transfer_rewards(self, probe: RewardProbe) -> list[float]:
        """prior_d * exp(tilt * s_d / max |s|), s_d the relative fall of every dataset's development-probe
        loss that a step on d's training examples buys, to first order (see ``transfer_weights``): a
        dataset is sampled more for what it teaches the whole mixture, its own held-out examples
        included, and not for a large gradient of its own."""
        train = self._draw_from_every_level(self.config.alignment_samples_per_level, self.training_levels)
        if self.config.transfer_probe == "small_loss":
            held, losses = self.small_loss_probes()
        else:
            held = [[i for level in dataset for i in level] for dataset in self.probe_levels]
            losses = self.probe_losses_now
        probed = [j for j, group in enumerate(held) if group]  # a dataset too small for a probe has none
        weights = transfer_weights([losses[j] for j in probed])
        scores = ([float("nan")] * len(train) if weights is None
                  else probe.gradient_dots(train, [held[j] for j in probed], weights,
                                           unit=self.config.transfer_step == "unit").tolist())
        if self.ema:
            scores = self.ema(scores)
        return self.tilt_by(self.prior, scores, max(abs(s) for s in scores))

    def fall_contributions(self, probe: RewardProbe) -> torch.Tensor:
        """[dataset d, probe j]: d's sampling probability times <g_d, h_j>, the first-order fall of probe
        j's loss that training on d bought (g_d from ``alignment_samples_per_level`` training examples per
        level, h_j from the best-fitted half of probe j as ``transfer_probe: small_loss`` picks it, so
        random answers do not draw credit to the data that teaches them); 0 for a dataset without a
        probe."""
        train = self._draw_from_every_level(self.config.alignment_samples_per_level, self.training_levels)
        held, _ = self.small_loss_probes()
        probed = [j for j, group in enumerate(held) if group]
        contributions = torch.zeros(len(train), len(held), dtype=torch.float64)
        if probed:
            dots = probe.gradient_cross_dots(train, [held[j] for j in probed])
            p = self.drawn_global.to(torch.float64)
            contributions[:, probed] = p[:, None] * dots
        return contributions

    def small_loss_probes(self) -> tuple[list[list[int]], list[float]]:
        """Each dataset's probe examples with the smallest loss at this update, half of them (rounded
        up; ties by position), and their mean loss. A random answer's loss stays high however the model
        learns, so it rarely makes this half: the probe a noisy dataset is credited against becomes
        mostly its learnable examples (co-teaching's small-loss criterion, Han et al. 2018)."""
        losses = self.probe_example_losses.tolist()
        held, means = [], []
        for positions in self.dataset_positions:
            finite = sorted((p for p in positions if math.isfinite(losses[p])), key=losses.__getitem__)
            chosen = finite[:math.ceil(len(finite) / 2)]
            held.append([self.probe_indices[p] for p in chosen])
            means.append(sum(losses[p] for p in chosen) / len(chosen) if chosen else float("nan"))
        return held, means

    def progress_rewards(self, probe: RewardProbe) -> list[float]:
        """prior_d * exp(tilt * p_d / max |p|), p_d the relative fall of dataset d's mean response loss
        since the last update (since the base model at the first): datasets still being learned are
        sampled more than the prior, those that stopped improving (learned, or unlearnable) less. A
        dataset without a measurement this time counts as no progress."""
        if self.online:  # the losses of the examples trained on since the last update
            indices, losses, _ = probe.trained()
            groups: list[list[tuple[int, float]]] = [[] for _ in self.levels]
            for i, v in zip(indices, losses.tolist()):
                if v == v and abs(v) != float("inf"):
                    groups[int(self.dataset_of[i])].append((i, v))
            now = [sum(v for _, v in g) / len(g) if g else float("nan") for g in groups]
            base = [finite_mean(self.base_loss[torch.as_tensor([i for i, _ in g])]) if g else float("nan")
                    for g in groups]
        else:
            per_dataset = self._draw_from_every_level(self.config.global_samples_per_level)
            now = group_means(probe.losses([i for group in per_dataset for i in group]), per_dataset)
            base = [finite_mean(self.base_loss[torch.as_tensor(group)]) for group in per_dataset]
        before = [last if last == last else b for last, b in zip(self.last_losses, base)]
        self.last_losses = [n if n == n else last for n, last in zip(now, self.last_losses)]
        progress = [(b - n) / b if b > 0 and n == n else 0.0 for b, n in zip(before, now)]
        if self.ema:
            progress = self.ema(progress)
        return self.tilt_by(self.prior, progress, max(abs(p) for p in progress))

    def local_rewards(self, probe: RewardProbe, falls=None) -> list[list[float]]:
        if self.config.local_reward == "heldout":
            # uniform tilted by each level's held-out fall, on one scale for the whole mixture: a dataset
            # whose levels all stand still stays near uniform instead of amplifying their noise
            return self.averaged_tilts([[1.0 / len(row)] * len(row) for row in falls[1]], falls[1], self.local_emas,
                                       "local")
        if self.online:
            indices, losses, _ = probe.trained()
            index = torch.as_tensor(indices, dtype=torch.long)
            ratios = level_ratio(self.config.local_reward, losses, self.base_loss[index]).clamp(*RATIO_RANGE)
            levels = self._carried_level_means(indices, ratios, self.last_ratios)
            return [relative_reward(self._fill_unmeasured(row)) for row in levels]
        draws = [[draw(level, self.config.local_samples_per_level, self.generator) for level in dataset]
                 for dataset in self.levels]
        flat = [i for dataset in draws for level in dataset for i in level]
        index = torch.as_tensor(flat, dtype=torch.long)
        kind = self.config.local_reward
        now = probe.losses(flat)
        now_alone = probe.alone_losses(flat) if kind == "ifd" else None
        ratios = level_ratio(kind, now, self.base_loss[index], now_alone, self.base_alone_loss[index])
        ratios = ratios.clamp(*RATIO_RANGE)  # NaN (no scored token) passes through and is skipped below
        means = group_means(ratios, [level for dataset in draws for level in dataset])
        rewards, start = [], 0
        for dataset in draws:
            rewards.append(relative_reward(means[start:start + len(dataset)]))
            start += len(dataset)
        return rewards

    def update(self, probe: RewardProbe, step: int) -> dict:
        """Update the actors; an actor whose rewards are unusable (see ``SoftmaxActor.update``) keeps
        its distribution and is listed under ``skipped`` ("global", or a dataset index), as is the
        global actor at an update where nothing cleared the noise under ``global_moves: on_evidence``. Through
        ``hold_steps`` nothing moves: the held-out rewards measure the probe, so that the first fall
        that counts starts from the last of these measurements (``heldout_trend``'s and
        ``heldout_lapse``'s windows too), and no reward is computed. With the held-out global reward
        the record's ``global_score`` is each dataset's score of this update before the EMA and the
        tilt (its fall past the noise band, per unit of sampling probability where
        ``heldout_per_example`` says, credited as ``heldout_credit`` says): the log then shows which
        fall moved the mixture, which the tilted rewards, held by the EMA, do not."""
        record = self._update(probe, step)
        if self.averaged:  # the actor's distribution at this update point joins the mean drawn from
            self.draw_sum, self.draw_count = self.draw_sum + self.global_actor.probabilities, self.draw_count + 1
        return record

    def _update(self, probe: RewardProbe, step: int) -> dict:
        record = {"global_reward": None, "local_reward": None, "global_score": None, "skipped": []}
        falls = self.heldout_falls(probe) if self.heldout else None
        if step <= self.config.hold_steps:  # measured only: the probe's baseline has moved on, and no
            # fall of the hold stays in the trend's or the lapse's window to steer afterwards
            self.fall_history = []
            self.probe_history = [list(self.last_probe_losses)]
            return record
        if self.update_global:
            record["global_reward"] = self.global_rewards(probe, falls)
            record["global_score"] = self.global_scores
            if self.config.global_moves == "on_evidence" and not any(f != 0 for f in falls[0] if not math.isnan(f)):
                record["skipped"].append("global")  # nothing cleared the noise: the mixture holds
            elif not self.global_actor.update(record["global_reward"]):
                record["skipped"].append("global")
        for _ in range(self.config.local_updates if self.update_local else 0):
            record["local_reward"] = self.local_rewards(probe, falls)  # the log keeps the last estimate
            for d, (actor, rewards) in enumerate(zip(self.local_actors, record["local_reward"])):
                if not actor.update(rewards) and d not in record["skipped"]:
                    record["skipped"].append(d)
        return record

    def state_dict(self) -> dict:
        return {
            "global_actor": self.global_actor.state_dict(),
            "local_actors": [a.state_dict() for a in self.local_actors],
            "ema": self.ema.state_dict() if self.ema else None,
            "generator": self.generator.get_state(),
            "last_norms": self.last_norms,
            "last_ratios": self.last_ratios,
            "last_losses": self.last_losses,
            "last_probe_losses": self.last_probe_losses,
            "answer_means": self.answer_means,
            "largest_scores": self.largest_scores,
            "probe_history": self.probe_history,
            "fall_history": self.fall_history,
            "local_emas": [e.state_dict() for e in self.local_emas] if self.local_emas else None,
            "heldout_measure": self.config.heldout_measure,
            "draw_sum": self.draw_sum.clone(),
            "draw_count": self.draw_count,
        }

    def check_measure(self, state: dict) -> None:
        """Refuse to continue a probe read by one measure with another: the first fall after the
        resume would compare, say, a wrong mass with a loss. A checkpoint written before the measure
        was saved tells it by its answer means, which only an answer measure keeps."""
        if not self.heldout or not self.probe_indices:
            return
        saved = state.get("heldout_measure")
        if saved is None:
            if bool(state.get("answer_means")) == self.answer_measured:
                return
            saved = "an answer measure" if state.get("answer_means") else "loss"
        elif saved == self.config.heldout_measure:
            return
        if saved == "an answer measure":
            hint = "the measure it was written with"
        else:  # the probe's loss was the default with the total fall until 2026-12-06
            hint = f"sampling.heldout_measure={saved}" + (" sampling.heldout_fall=total" if saved == "loss" else "")
        raise ValueError(f"the checkpoint's development probe was read by {saved}, this run's by sampling.heldout_measure "
                         f"{self.config.heldout_measure} (the default since 2026-12-06 is wrong_mass); resume with {hint}")

    def load_state_dict(self, state: dict) -> None:
        self.check_measure(state)
        self.global_actor.load_state_dict(state["global_actor"])
        for actor, s in zip(self.local_actors, state["local_actors"]):
            actor.load_state_dict(s)
        if self.ema and state.get("ema"):
            self.ema.load_state_dict(state["ema"])
        self.generator.set_state(state["generator"])
        if "last_norms" in state:
            self.last_norms, self.last_ratios = state["last_norms"], state["last_ratios"]
        if "last_losses" in state:
            self.last_losses = state["last_losses"]
        if "last_probe_losses" in state:
            self.last_probe_losses = state["last_probe_losses"]
        self.largest_scores = dict(state.get("largest_scores", {}))
        if self.averaged and "draw_sum" not in state:
            raise ValueError("the checkpoint was written without sampling.global_draw: average; resume with "
                             "sampling.global_draw=actor")
        if "draw_sum" in state:
            self.draw_sum = torch.as_tensor(state["draw_sum"], dtype=torch.float64).clone()
            self.draw_count = int(state["draw_count"])
        self.answer_means = {name: list(row) for name, row in state.get("answer_means", {}).items()}
        self.probe_history = [list(row) for row in state.get("probe_history", self.probe_history)]
        self.fall_history = [list(row) for row in state.get("fall_history", [])]
        if self.local_emas and state.get("local_emas"):
            for ema, s in zip(self.local_emas, state["local_emas"]):
                ema.load_state_dict(s)

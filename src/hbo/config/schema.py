"""Typed configuration: one dataclass per section. Every field's comment is its documentation
(``hbo.config.reference`` renders them as docs/configuration.md)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from hbo.errors import ConfigError

# Every choice list, in one place: the loader rejects any other value with the list, and the modules
# that act on a choice read their list from here.
Dtype = Literal["float32", "bfloat16", "float16"]
MixedPrecision = Literal["no", "bf16"]
DataFormat = Literal["auto", "chat", "alpaca", "prompt_completion"]
LossOn = Literal["response", "all"]
Metric = Literal["ifd", "ppl", "loss"]
GlobalReward = Literal["gradient-norm", "alignment", "progress", "heldout", "transfer"]
TiltScale = Literal["update", "run"]
HeldoutFall = Literal["total", "median", "absolute", "likelihood"]
HeldoutMeasure = Literal["loss", "wrong_tokens", "margin", "wrong_mass"]
HeldoutUnits = Literal["fall", "errors"]
EmaOf = Literal["scores", "tilts"]
GlobalMoves = Literal["always", "on_evidence"]
GlobalDraw = Literal["actor", "average"]
TransferProbe = Literal["all", "small_loss"]
TransferStep = Literal["gradient", "unit"]
HeldoutCredit = Literal["own", "attributed"]
TrainerKind = Literal["trainer", "sft"]
LocalReward = Literal["ppl", "loss", "ifd", "improvement", "heldout"]
RewardSource = Literal["auto", "train", "offline"]
RewardTokens = Literal["response", "all"]
GradientNormMethod = Literal["auto", "hooks", "loop"]
MoSReward = Literal["transferability", "difficulty"]


def choices(alias) -> tuple[str, ...]:
    """The values of a ``Literal`` choice list above."""
    return get_args(alias)


@dataclass
class LoraSettings:
    r: int = 8  # rank of the adapter matrices
    alpha: float = 16.0  # scaling numerator (PEFT's lora_alpha): updates are scaled by alpha / r
    dropout: float = 0.0  # dropout on the adapter's input while training
    target_modules: str = "all-linear"  # all-linear (every linear layer but the output head), or comma-separated module names such as q_proj,v_proj


@dataclass
class ModelConfig:
    name_or_path: str = "demo"  # local folder or hub id of a causal LM; "demo" is the built-in tiny model
    trust_remote_code: bool = False  # only for models whose code you trust
    dtype: Dtype = "float32"  # float32, bfloat16 or float16: the weights' dtype while training
    mixed_precision: MixedPrecision = "no"  # bf16: float32 weights and optimiser, matrix products in bfloat16 (torch.autocast) for scoring, training, rewards and evaluation; on a CPU, faster only with AVX512-BF16 or AMX (see docs/performance.md)
    chat_template: str | None = None  # Jinja template; default: the tokenizer's own, else hbo's plain one
    lora: LoraSettings | None = None  # train a LoRA adapter (PEFT) instead of every weight; {} for the defaults; model/ then holds the adapter


@dataclass
class DatasetConfig:
    name: str  # unique name, used in every output
    path: str  # local .jsonl / .json / .parquet / .csv file, or a hub dataset id
    format: DataFormat = "auto"  # auto, chat, alpaca or prompt_completion (see Data formats)
    split: str = "train"  # hub split to read
    subset: str | None = None  # hub configuration name
    heldout_path: str | None = None  # held-out file; default: a seeded fraction of `path`


@dataclass
class DataConfig:
    mixture: str | None = "demo"  # a built-in mixture ("demo"), ignored when `datasets` is given
    mixture_heldout: int | None = None  # built-in mixtures with their own held-out questions (every one but demo): clean held-out examples per dataset; null = the mixture's 100. The first 100 stay the same questions and the training examples do not change; more questions narrow a benchmark's intervals
    datasets: list[DatasetConfig] = field(default_factory=list)  # the mixture, one entry per dataset
    heldout_fraction: float = 0.1  # share of each dataset held out when it has no heldout_path
    heldout_max: int = 200  # held-out examples scored per dataset: the first that fit max_length
    train_fraction: float = 1.0  # train on a seeded share of each dataset (at least 1 example): smaller runs, same imbalance
    max_length: int = 256  # tokens per example (prompt + response); longer responses are truncated
    loss_on: LossOn = "response"  # response or all: which tokens the training loss covers
    seed: int = 0  # held-out split seed
    cache_dir: str | None = None  # training examples are tokenised once into Arrow files here, keyed by content, tokenizer and max_length; default: the cache folder (HBO_CACHE, else the platform cache)/tokenised
    num_proc: int | None = None  # processes that tokenise a dataset; default: one per 2,000 examples, at most one per CPU


@dataclass
class ScoringConfig:
    metric: Metric = "ifd"  # ifd, ppl or loss: the base-model difficulty score that defines levels
    num_levels: int = 4  # K quantile levels per dataset (level 0 easiest)
    batch_size: int = 32  # examples per forward pass
    cache_dir: str | None = None  # scores are cached here, keyed by model and data; default: the cache folder (HBO_CACHE, else the platform cache)/scores


@dataclass
class MultiDDSConfig:
    samples_per_dataset: int = 16  # training examples per dataset for its gradient
    reference_per_dataset: int = 8  # examples per dataset for the reference (macro-objective) gradient


@dataclass
class MoSConfig:
    reward: MoSReward = "transferability"  # transferability or difficulty: the one perspective MoS rewards (the paper runs one at a time)
    samples_per_dataset: int = 16  # examples per dataset (mos-plus: per dataset and level) for embeddings and perplexities
    trajectory: float | None = 0.9  # learning trajectory: weight of the new reward in an EMA over updates (the paper: 0.9; null = off)


@dataclass
class MultiUATConfig:
    samples_per_dataset: int = 16  # examples per dataset whose predictive entropy is the reward


@dataclass
class ODMConfig:
    samples_per_dataset: int = 16  # examples per dataset whose current loss is the reward
    smoothing: float = 0.9  # alpha of the smoothed, importance-weighted loss estimate


@dataclass
class SamplingConfig:
    strategy: str = "hbo"  # one of hbo.strategies.STRATEGIES: hbo, hbo-global, hbo-local, proportional, temperature, uniform, fixed, multidds, multiuat, mos, mos-plus or odm
    shares: dict[str, float] | None = None  # strategy fixed: each dataset's weight in the mix, by dataset name (every dataset named, weights >= 0, normalised to sum to 1), held for the whole run; `hbo shares RUN_DIR` prints an earlier hbo run's mean shares in this form
    temperature: float | None = None  # T of the prior p ~ n^(1/T) (inf = uniform); null = 10 for `temperature` (the paper's Temp.), else 1
    update_interval: int = 50  # S: training steps between actor updates (the paper: 200; 25 was -0.6 [-1.6, +0.5] against 50 on the benchmark's development mixtures: docs/benchmark-log.md, "Actor updates every 25 steps")
    actor_lr: float = 1e-3  # Adam learning rate of every actor (reference: 1e-4; see benchmarks/results/sweep.md)
    actor_steps: int = 200  # Adam steps per actor update (as the reference)
    actor_lr_decay: float = 0.0  # every actor takes its k-th update at rate actor_lr / k^this (0: a constant rate, as the paper; 0.5: the 1/sqrt(k) steps of stochastic approximation, so the first, clearest moves are the largest and late noise moves the mixture little; with actor_lr 3e-3 no better than the default on the benchmark's development mixtures: docs/benchmark-log.md, "Fast early, slow late"); in [0, 1]
    global_reward: GlobalReward = "heldout"  # heldout: the prior tilted by exp(tilt * score), score = the fall of the dataset's development-probe measure since the last update (heldout_measure: by default the probability left on wrong answer tokens; see heldout_fall) over the largest |fall|; progress: the same from the loss of the examples trained on; gradient-norm: the paper's; alignment: the prior tilted by the cosine of the dataset's gradient with the mean unit gradient; transfer: the prior tilted by how much a step on the dataset lowers every dataset's development-probe loss, relative to it (training gradient dot each probe gradient)
    alignment_samples_per_level: int = 4  # global_reward alignment or transfer: examples per level for each dataset's training gradient
    tilt_scale: TiltScale = "update"  # heldout or progress rewards: scores are divided by the largest |score| of this update, or of the whole run so far (run: small late scores tilt little)
    heldout_fall: HeldoutFall = "absolute"  # heldout rewards: a group's fall is that of its summed probe loss as a share of it (total), or the median of its examples' relative falls (median: examples with random answers, whose loss is large and does not fall, cannot drown the others'), or the mean fall of its examples' losses in nats (absolute: a dataset far from its floor counts more than one near it falling by the same share), or the rise in the mean probability of producing each probe example's whole answer (likelihood: exact match's unit, so random answers, whose probability stays near 0, add nothing, and a group answered almost surely has little left to gain); with an answer measure (heldout_measure other than loss) total and absolute read that measure where they say loss
    heldout_measure: HeldoutMeasure = "wrong_mass"  # heldout rewards: what each probe example contributes to its fall: its mean response loss (loss), or the share of its response tokens whose most likely token is wrong under teacher forcing (wrong_tokens: greedy decoding writes the answer exactly when none is, so a fall is progress in exact match's own unit, and a loss that falls only because right tokens grow surer counts for nothing), or the mean over its response tokens of how far each token's logit is below the best other token's (margin: 0 for a token greedy decoding gets right, as wrong_tokens counts it, but a wrong token drawing nearer to being chosen counts before it turns right), or the mean over its response tokens of the probability left on wrong tokens, 1 - p(right token) (wrong_mass: smooth like the loss, but a random answer's digit, at best hedged over the ten digits, can fall by about 0.1 where a learnt token falls by up to 1); for all three the base model is measured once before training, and heldout_fall is total or absolute
    heldout_threshold: float | None = 2.0  # heldout rewards: each fall (total, absolute or likelihood; median needs null) is shrunk toward 0 by this many standard errors of its probe examples' falls (0 inside that band; null = off), so that once learning slows the scatter of a few probe examples does not tilt the mixture as a real difference would
    heldout_units: HeldoutUnits = "fall"  # heldout rewards: a score is the fall itself (after heldout_threshold), or that fall in its standard errors (errors: the mixture leans toward what the probe can clearly tell apart, not toward the largest fall, which may be noise on a few probe examples); errors needs a heldout_fall with a standard error: not median
    heldout_lapse: int | None = None  # global_reward heldout: a dataset's lead counts only while its probe loss has fallen beyond heldout_threshold (null: at all) over the last this many updates; after that its positive score counts 0 and the mixture returns toward the prior (null = off: a lead measured once keeps its full tilt, through the EMA, until another dataset's fall clears)
    heldout_trend: int | None = None  # global_reward heldout: score each dataset by the mean of its last this many falls (its trend; fewer at the start), shrunk by heldout_threshold times the larger of that mean's standard error over those updates (the model's own jitter between updates, which moves all of a probe's examples together and which their scatter does not show; from 3 falls on) and the probe examples' (null = off: the fall since the last update, against its examples' scatter alone); >= 3, needs heldout_threshold or heldout_units errors
    global_moves: GlobalMoves = "always"  # global_reward heldout with heldout_threshold: the global actor takes a step at every update (always), or only at an update where some dataset's fall clears the noise band (on_evidence); with nothing new measured the EMA of the scores, divided by its largest, keeps the shape of the last update that had a clear fall at the full tilt, and always keeps moving the mixture toward it
    global_draw: GlobalDraw = "average"  # hbo strategies that update the global actor: datasets are drawn from the mean of the actor's distributions so far, the prior and every update point with equal weight (average: the averaged iterate of online mirror descent, DoReMi's averaged weights applied as the run goes, so a lead taken late moves the draws by its share of the run; +1.1 [-0.1, +2.4] over actor on fresh seeds of the benchmark's development mixtures: docs/benchmark-log.md, "Datasets drawn from the mean of the actor's distributions"), or from the actor's distribution as it stands (actor: the paper, and hbo before 2026-12-07); the held-out reward divides each fall by the probability the dataset was drawn with
    transfer_probe: TransferProbe = "all"  # global_reward transfer: each dataset's probe gradient from all its probe examples (all), or from the half with the smallest loss at this update (small_loss: the examples most likely to have a learnable answer, as co-teaching's small-loss criterion; a random answer's loss stays high, so the probes stop rewarding what teaches the noise); small_loss also halves the probe's backward passes
    transfer_step: TransferStep = "gradient"  # global_reward transfer: what a step on a dataset is taken to be: its training examples' mean gradient (gradient: plain SGD's first-order model, in which a dataset with a large gradient, far from fitted, buys the most), or that gradient scaled to unit length (unit: an Adam step does not grow with the gradient's norm, so only its direction decides what it teaches the probes, and a well-fitted dataset whose data teaches the others is not undervalued for its small gradient; as LESS, Xia et al. 2024, credits training data by direction)
    hold_steps: int = 0  # hbo strategies: the actors keep their starting distributions (the prior; uniform over levels) through this many training steps; update points up to it only measure (the held-out rewards' probe baseline moves on), so the first fall that steers is the one since the last of them (heldout_trend's and heldout_lapse's windows start there too): in the first steps every dataset in a new format or wording falls fast under any mixture, and that fall should not pick a lead (0 = steer from the first update)
    probe_average: float | None = 0.98  # hbo strategies: every reward measurement at an update is taken on an exponential moving average of the trained weights, moved toward them after every optimiser step by 1 - this (0.98: about the last 50 steps), not on the weights of the last step: at a constant learning rate a fixed example's loss wanders by tens of percent over tens of steps, and a probe read at one instant takes the swing for progress (0.98 about halves it on most datasets of the benchmark mixtures). null = the weights as trained (the paper; the baselines always); only trainable parameters are averaged, in float32: one more copy of them in memory (a few MB with LoRA, 4 bytes per parameter in full fine-tuning); off under FSDP or DeepSpeed, with a warning
    heldout_per_example: bool = True  # global_reward heldout: divide each dataset's fall by its sampling probability (the fall bought per unit of sampling), so a large dataset's share does not feed on itself
    heldout_credit: HeldoutCredit = "own"  # global_reward heldout: a probe's fall counts for its own dataset (own), or is split among the datasets whose training lowered it, in proportion to each one's sampling probability times the dot product of its training gradient with the probe's (attributed: a dataset whose probe falls because another teaches the same task credits the teacher; the probe gradients come from the best-fitted half of each probe, as transfer_probe small_loss, so random answers draw no credit; the gradients cost as global_reward transfer does, with alignment_samples_per_level training examples per level)
    gradient_blocks: int | None = None  # global_reward alignment or transfer, heldout_credit attributed: take their gradients over the trainable parameters of the model's last this many transformer blocks and of the modules after them (the final norm; an output layer not tied to the input embedding), not over all: the backward pass stops at the first of those blocks, so a gradient costs little more than a forward on a deep model, about half the full one on the 4-block demo model (null = every trainable parameter)
    tilt: float = 3.0  # heldout, progress, alignment or transfer rewards: how far a score difference of 1 tilts the prior (a factor e^tilt)
    reward_tokens: RewardTokens = "response"  # response or all: the tokens the gradient-norm reward's loss covers (the authors' code: all)
    local_updates: int = 1  # local actor updates per update point, each from a fresh reward estimate (the authors' code: 4, one per gradient-accumulation micro-step)
    global_samples_per_level: int = 8  # examples per level for the gradient-norm reward (reference: 4x2)
    local_samples_per_level: int = 16  # examples per level for the perplexity-ratio reward (reference: 8x2)
    probe_per_level: int = 4  # global or local reward heldout: examples of each level kept out of training as the development probe (at most a quarter of the level)
    local_reward: LocalReward = "heldout"  # heldout: uniform tilted by each level's development-probe fall (heldout_measure; one scale for the whole mixture); improvement: PPL base / PPL now (levels that improved most gain); ppl (the paper), loss or ifd: the ratio now / base (levels that improved least gain)
    reward_source: RewardSource = "auto"  # train: read off the training steps (hbo, hbo-global, hbo-local; no extra passes; the alignment and transfer rewards always measure offline); offline: extra passes on fresh draws (the paper); auto: train where the strategy and the local reward can, else offline
    online_norm_steps: int = 1  # reward_source train: gradient norms on the last N steps before each update (losses on all)
    gradient_norms: GradientNormMethod = "auto"  # auto, hooks or loop: per-example gradient norms from one batched backward (hooks) or one backward per example
    reward_ema: float | None = 0.5  # weight of the new global reward (heldout, progress: its scores; heldout local: the level scores too) in an EMA over updates; null = off (the paper: off)
    reward_ema_of: EmaOf = "scores"  # heldout rewards: the EMA averages the raw scores, then the average is divided by its largest |score| (scores), or averages each update's scores already divided by their largest |score| (tilts: a difference measured once and not again fades back to the prior, instead of keeping its full tilt while the averaged scores shrink together; below the default on the benchmark's development mixtures under the loss and the wrong-mass measures, whose late leads pay: docs/benchmark-log.md, "A lead that fades unless renewed")
    min_probability: float = 1e-4  # floor of every dataset and level probability: nothing is starved
    log_samples: bool = False  # also write samples.jsonl: the example indices trained on, per record
    log_every_process: bool = False  # distributed runs: every process writes ranks/probabilities-RANK.jsonl (rank > 0) and ranks/batches-RANK.jsonl (its examples per step)
    seed: int = 0  # seed of the training sampler and of the reward draws
    multidds: MultiDDSConfig = field(default_factory=MultiDDSConfig)
    mos: MoSConfig = field(default_factory=MoSConfig)
    multiuat: MultiUATConfig = field(default_factory=MultiUATConfig)
    odm: ODMConfig = field(default_factory=ODMConfig)

    def rewards_from_training(self) -> bool:
        """Whether an hbo strategy reads its rewards off the training steps: ``train``, or ``auto`` with
        a local reward that training measures (``ifd`` needs a response-alone pass it does not make)."""
        return self.reward_source == "train" or (self.reward_source == "auto" and self.local_reward != "ifd")

    def prior_temperature(self) -> float:
        """The T in use: the configured one, else the strategy's conventional default."""
        if self.temperature is not None:
            return self.temperature
        return DEFAULT_STATIC_TEMPERATURE if self.strategy == "temperature" else 1.0


# The HBO paper's Temp. baseline: T = 10 (the `temperature` strategy's default).
DEFAULT_STATIC_TEMPERATURE = 10.0


@dataclass
class TrainingConfig:
    trainer: TrainerKind = "trainer"  # trainer: transformers.Trainer; sft: trl.SFTTrainer (pip install hbo[trl]), on the same tokenised mixture
    max_steps: int = 300  # optimiser steps
    per_device_train_batch_size: int = 16  # examples per step and device
    gradient_accumulation_steps: int = 1  # micro-batches per optimiser step
    learning_rate: float = 3e-4  # peak learning rate of the model (AdamW)
    lr_scheduler_type: str = "constant_with_warmup"  # any transformers scheduler name
    warmup_steps: int = 20  # linear warm-up steps
    weight_decay: float = 0.0  # AdamW weight decay
    logging_steps: int = 25  # Trainer loss logging interval
    save_strategy: str = "no"  # Trainer checkpointing: no or steps (with extra.save_steps)
    seed: int = 0  # Trainer seed (model init of new heads, dropout)
    extra: dict[str, Any] = field(default_factory=dict)  # any other transformers.TrainingArguments field


@dataclass
class EvalConfig:
    before: bool = True  # also evaluate the base model, for the before/after table
    max_new_tokens: int = 32  # greedy generation length for exact match
    generate_choices: bool = True  # also generate greedy answers to multiple-choice questions (exact match); false: option likelihoods only, faster
    batch_size: int = 64  # examples per evaluation batch


@dataclass
class Config:
    output_dir: str = "runs/demo"  # where the run's files go (also --output-dir)
    preset: str | None = None  # named defaults applied under your values: paper (HBO as published) or reference (the authors' code as it runs)
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)

    def validate(self) -> Config:
        from hbo.strategies import STRATEGIES

        registered = STRATEGIES.get(self.sampling.strategy)
        if registered is None:
            raise ConfigError(f"sampling.strategy must be one of {', '.join(STRATEGIES)}; got {self.sampling.strategy!r}")
        if registered.needs_shares != (self.sampling.shares is not None):
            raise ConfigError(f"sampling.shares: {self.sampling.strategy} needs each dataset's share, by name "
                              "(`hbo shares RUN_DIR` prints an hbo run's)" if registered.needs_shares else
                              f"sampling.shares sets the mix of strategy fixed; {self.sampling.strategy} sets its own "
                              "(set sampling.strategy=fixed, or drop sampling.shares)")
        if self.sampling.shares is not None:
            weights = list(self.sampling.shares.values())
            if not weights or any(not (math.isfinite(w) and w >= 0) for w in weights) or not sum(weights) > 0:
                raise ConfigError(f"sampling.shares: a weight >= 0 for each dataset, not all 0; got {self.sampling.shares}")
        if self.sampling.reward_source == "train":
            if registered.learns and not registered.online_rewards:  # static strategies read no rewards at all
                online = ", ".join(name for name, r in STRATEGIES.items() if r.online_rewards)
                raise ConfigError(f"sampling.reward_source: train is for {online}; "
                                  f"{self.sampling.strategy} reads its rewards offline")
            if self.sampling.local_reward == "ifd":
                raise ConfigError("sampling.local_reward: ifd needs a response-alone pass that training does not "
                                  "make; use ppl or loss with reward_source: train")
        if self.model.mixed_precision != "no" and self.model.dtype != "float32":
            raise ConfigError(f"model.mixed_precision: {self.model.mixed_precision} keeps float32 weights and computes in "
                              f"bfloat16; with model.dtype: {self.model.dtype} everything is in that dtype already "
                              "(use one or the other)")
        _check_positive("data.max_length", self.data.max_length)
        if self.data.num_proc is not None:
            _check_positive("data.num_proc", self.data.num_proc)
        _check_positive("scoring.num_levels", self.scoring.num_levels)
        if self.model.lora is not None:
            _check_positive("model.lora.r", self.model.lora.r)
            if not 0 <= self.model.lora.dropout < 1:
                raise ConfigError(f"model.lora.dropout must be in [0, 1), got {self.model.lora.dropout}")
        _check_positive("scoring.batch_size", self.scoring.batch_size)
        _check_positive("sampling.update_interval", self.sampling.update_interval)
        _check_positive("sampling.actor_steps", self.sampling.actor_steps)
        _check_positive("sampling.local_updates", self.sampling.local_updates)
        _check_positive("sampling.online_norm_steps", self.sampling.online_norm_steps)
        _check_positive("sampling.global_samples_per_level", self.sampling.global_samples_per_level)
        _check_positive("sampling.local_samples_per_level", self.sampling.local_samples_per_level)
        _check_positive("sampling.probe_per_level", self.sampling.probe_per_level)
        _check_positive("training.max_steps", self.training.max_steps)
        _check_positive("training.per_device_train_batch_size", self.training.per_device_train_batch_size)
        if not self.sampling.actor_lr > 0:
            raise ConfigError(f"sampling.actor_lr must be > 0, got {self.sampling.actor_lr}")
        if not 0 <= self.sampling.actor_lr_decay <= 1:
            raise ConfigError(f"sampling.actor_lr_decay must be in [0, 1], got {self.sampling.actor_lr_decay}")
        if not 0 <= self.sampling.min_probability < 1:
            raise ConfigError(f"sampling.min_probability must be in [0, 1), got {self.sampling.min_probability}")
        if self.sampling.temperature is not None and not self.sampling.temperature > 0:
            raise ConfigError(f"sampling.temperature must be > 0 (or inf), got {self.sampling.temperature}")
        if self.sampling.heldout_threshold is not None:
            if not self.sampling.heldout_threshold >= 0:
                raise ConfigError(f"sampling.heldout_threshold must be >= 0 or null, got {self.sampling.heldout_threshold}")
            if self.sampling.heldout_fall == "median":
                raise ConfigError("sampling.heldout_fall: median has no standard error for sampling.heldout_threshold "
                                  "(2 by default); set sampling.heldout_threshold=null (and sampling.heldout_measure="
                                  "loss) with it, or choose total or absolute")
        if self.sampling.heldout_units == "errors" and self.sampling.heldout_fall == "median":
            raise ConfigError("sampling.heldout_units: errors needs a standard error, which the median fall has not; "
                              "choose sampling.heldout_fall total or absolute (or likelihood, with "
                              "sampling.heldout_measure=loss)")
        if self.sampling.heldout_measure != "loss" and self.sampling.heldout_fall not in ("total", "absolute"):
            raise ConfigError(f"sampling.heldout_measure: {self.sampling.heldout_measure} measures answer tokens against "
                              f"greedy decoding, which has no {self.sampling.heldout_fall!r} fall; choose "
                              "sampling.heldout_fall total or absolute, or set sampling.heldout_measure=loss "
                              f"(the measure the {self.sampling.heldout_fall} fall reads)")
        if self.sampling.global_moves == "on_evidence" and (self.sampling.global_reward != "heldout"
                                                             or self.sampling.heldout_threshold is None):
            raise ConfigError("sampling.global_moves: on_evidence reads whether a fall cleared "
                              "sampling.heldout_threshold, so it needs sampling.global_reward heldout and a threshold")
        if self.sampling.transfer_probe != "all" and self.sampling.global_reward != "transfer":
            raise ConfigError(f"sampling.transfer_probe: {self.sampling.transfer_probe} chooses the probe examples of "
                              "the transfer reward; it needs sampling.global_reward transfer")
        if self.sampling.transfer_step != "gradient" and self.sampling.global_reward != "transfer":
            raise ConfigError(f"sampling.transfer_step: {self.sampling.transfer_step} scales the training gradients "
                              "of the transfer reward; it needs sampling.global_reward transfer")
        if self.sampling.heldout_credit != "own" and self.sampling.global_reward != "heldout":
            raise ConfigError(f"sampling.heldout_credit: {self.sampling.heldout_credit} splits the held-out falls of "
                              "the heldout reward; it needs sampling.global_reward heldout")
        if self.sampling.gradient_blocks is not None:
            _check_positive("sampling.gradient_blocks", self.sampling.gradient_blocks)
            if (self.sampling.global_reward not in ("alignment", "transfer")
                    and self.sampling.heldout_credit != "attributed"):
                raise ConfigError("sampling.gradient_blocks sets what the gradient rewards' products cover; it needs "
                                  "sampling.global_reward alignment or transfer, or sampling.heldout_credit attributed")
        if self.sampling.hold_steps < 0:
            raise ConfigError(f"sampling.hold_steps must be >= 0 (0 = the actors steer from the first update), "
                              f"got {self.sampling.hold_steps}")
        if self.sampling.probe_average is not None and not 0 < self.sampling.probe_average < 1:
            raise ConfigError(f"sampling.probe_average must be in (0, 1) or null, got {self.sampling.probe_average}")
        if self.sampling.heldout_lapse is not None:
            _check_positive("sampling.heldout_lapse", self.sampling.heldout_lapse)
        if self.sampling.heldout_trend is not None:
            if self.sampling.heldout_trend < 3:
                raise ConfigError(f"sampling.heldout_trend must be >= 3 (a standard error over updates needs 3 "
                                  f"falls) or null, got {self.sampling.heldout_trend}")
            if self.sampling.heldout_threshold is None and self.sampling.heldout_units != "errors":
                raise ConfigError("sampling.heldout_trend sets the noise a fall is measured against, which needs "
                                  "sampling.heldout_threshold (or sampling.heldout_units: errors)")
        if self.sampling.reward_ema is not None and not 0 < self.sampling.reward_ema <= 1:
            raise ConfigError(f"sampling.reward_ema must be in (0, 1] or null, got {self.sampling.reward_ema}")
        _check_positive("sampling.multidds.samples_per_dataset", self.sampling.multidds.samples_per_dataset)
        _check_positive("sampling.multidds.reference_per_dataset", self.sampling.multidds.reference_per_dataset)
        _check_positive("sampling.mos.samples_per_dataset", self.sampling.mos.samples_per_dataset)
        _check_positive("sampling.odm.samples_per_dataset", self.sampling.odm.samples_per_dataset)
        _check_positive("sampling.multiuat.samples_per_dataset", self.sampling.multiuat.samples_per_dataset)
        if self.sampling.mos.trajectory is not None and not 0 < self.sampling.mos.trajectory <= 1:
            raise ConfigError(f"sampling.mos.trajectory must be in (0, 1] or null, got {self.sampling.mos.trajectory}")
        if not 0 <= self.sampling.odm.smoothing < 1:
            raise ConfigError(f"sampling.odm.smoothing must be in [0, 1), got {self.sampling.odm.smoothing}")
        if not 0 < self.data.train_fraction <= 1:
            raise ConfigError(f"data.train_fraction must be in (0, 1], got {self.data.train_fraction}")
        if not 0 <= self.data.heldout_fraction < 1:
            raise ConfigError(f"data.heldout_fraction must be in [0, 1), got {self.data.heldout_fraction}")
        if not self.data.datasets and not self.data.mixture:
            raise ConfigError("data: give `datasets` (a list) or a built-in `mixture`")
        if self.data.datasets:
            # ignored beside datasets: the resolved config (hbo config, config.yaml) says so
            self.data.mixture = self.data.mixture_heldout = None
        if self.data.mixture_heldout is not None and self.data.mixture_heldout > self.data.heldout_max:
            raise ConfigError(f"data.mixture_heldout: {self.data.mixture_heldout} held-out examples per dataset, but "
                              f"data.heldout_max: {self.data.heldout_max} scores at most that many; raise heldout_max")
        names = [d.name for d in self.data.datasets]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ConfigError(f"data.datasets: duplicate dataset names {duplicated}")
        return self


def _check_positive(key: str, value: int) -> None:
    if value < 1:
        raise ConfigError(f"{key} must be >= 1, got {value}")

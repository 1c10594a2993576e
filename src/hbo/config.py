"""Typed configuration: one dataclass per section, loaded from YAML, overridable with ``key=value``.

Every field's comment is its documentation; ``hbo config`` prints the resolved YAML and the README
renders the same defaults.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import yaml


class ConfigError(ValueError):
    """A config file or override that hbo cannot use; the message names the key."""


@dataclass
class ModelConfig:
    name_or_path: str = "demo"  # local folder or hub id of a causal LM; "demo" is the built-in tiny model
    trust_remote_code: bool = False  # only for models whose code you trust
    dtype: str = "float32"  # float32, bfloat16 or float16: the weights' dtype while training
    chat_template: str | None = None  # Jinja template; default: the tokenizer's own, else hbo's plain one


@dataclass
class DatasetConfig:
    name: str  # unique name, used in every output
    path: str  # local .jsonl / .json / .parquet / .csv file, or a hub dataset id
    format: str = "auto"  # auto, chat, alpaca or prompt_completion (see Data formats)
    split: str = "train"  # hub split to read
    subset: str | None = None  # hub configuration name
    heldout_path: str | None = None  # held-out file; default: a seeded fraction of `path`


@dataclass
class DataConfig:
    mixture: str | None = "demo"  # a built-in mixture ("demo"), ignored when `datasets` is given
    datasets: list[DatasetConfig] = field(default_factory=list)  # the mixture, one entry per dataset
    heldout_fraction: float = 0.1  # share of each dataset held out when it has no heldout_path
    heldout_max: int = 200  # at most this many held-out examples per dataset
    train_fraction: float = 1.0  # train on a seeded share of each dataset (at least 1 example): smaller runs, same imbalance
    max_length: int = 256  # tokens per example (prompt + response); longer responses are truncated
    loss_on: str = "response"  # response or all: which tokens the training loss covers
    seed: int = 0  # held-out split seed


@dataclass
class ScoringConfig:
    metric: str = "ifd"  # ifd, ppl or loss: the base-model difficulty score that defines levels
    num_levels: int = 4  # K quantile levels per dataset (level 0 easiest)
    batch_size: int = 32  # examples per forward pass
    cache_dir: str = "~/.cache/hbo/scores"  # scores are cached here, keyed by model and data


@dataclass
class MultiDDSConfig:
    samples_per_dataset: int = 16  # training examples per dataset for its gradient
    reference_per_dataset: int = 8  # examples per dataset for the reference (macro-objective) gradient


@dataclass
class MoSConfig:
    rewards: list[str] = field(default_factory=lambda: ["transferability", "difficulty"])  # summed, each relative to its mean over datasets
    samples_per_dataset: int = 16  # examples per dataset for embeddings and perplexities
    trajectory: float | None = 0.9  # learning trajectory: weight of past rewards in an EMA (null = off)


@dataclass
class ODMConfig:
    samples_per_dataset: int = 16  # examples per dataset whose current loss is the reward
    smoothing: float = 0.9  # alpha of the smoothed, importance-weighted loss estimate


@dataclass
class SamplingConfig:
    strategy: str = "hbo"  # hbo, hbo-global, hbo-local, proportional, temperature, uniform, multidds, mos or odm
    temperature: float | None = None  # T of the prior p ~ n^(1/T) (inf = uniform); null = 5 for `temperature`, else 1
    update_interval: int = 25  # S: training steps between actor updates
    actor_lr: float = 1e-3  # Adam learning rate of every actor (reference: 1e-4; see benchmarks/results/sweep.md)
    actor_steps: int = 200  # Adam steps per actor update (as the reference)
    global_samples_per_level: int = 8  # examples per level for the gradient-norm reward (reference: 4x2)
    local_samples_per_level: int = 16  # examples per level for the perplexity-ratio reward (reference: 8x2)
    local_reward: str = "ppl"  # ppl, loss or ifd: the ratio now / base that the local reward uses
    reward_source: str = "offline"  # offline: extra passes on fresh draws (the paper); train: read off the training steps (hbo only, no extra passes; static strategies ignore it)
    online_norm_steps: int = 1  # reward_source train: gradient norms on the last N steps before each update (losses on all)
    gradient_norms: str = "auto"  # auto, hooks or loop: per-example gradient norms from one batched backward (hooks) or one backward per example
    reward_ema: float | None = None  # beta of an EMA over global rewards; null = off (paper: 0.9)
    min_probability: float = 1e-4  # floor of every dataset and level probability: nothing is starved
    log_samples: bool = False  # also write samples.jsonl: the example indices trained on, per record
    log_every_process: bool = False  # distributed runs: every process writes ranks/probabilities-RANK.jsonl (rank > 0) and ranks/batches-RANK.jsonl (its examples per step)
    seed: int = 0  # seed of the training sampler and of the reward draws
    multidds: MultiDDSConfig = field(default_factory=MultiDDSConfig)
    mos: MoSConfig = field(default_factory=MoSConfig)
    odm: ODMConfig = field(default_factory=ODMConfig)

    def prior_temperature(self) -> float:
        """The T in use: the configured one, else the strategy's conventional default."""
        if self.temperature is not None:
            return self.temperature
        return DEFAULT_STATIC_TEMPERATURE if self.strategy == "temperature" else 1.0


# Temperature sampling's usual T (multilingual MT, XLM-R): the `temperature` strategy's default.
DEFAULT_STATIC_TEMPERATURE = 5.0


@dataclass
class TrainingConfig:
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
    preset: str | None = None  # named defaults applied under your values: reference (the authors' code)
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)

    def validate(self) -> Config:
        _check_choice("model.dtype", self.model.dtype, ("float32", "bfloat16", "float16"))
        _check_choice("data.loss_on", self.data.loss_on, ("response", "all"))
        _check_choice("scoring.metric", self.scoring.metric, ("ifd", "ppl", "loss"))
        _check_choice("sampling.local_reward", self.sampling.local_reward, ("ifd", "ppl", "loss"))
        _check_choice("sampling.reward_source", self.sampling.reward_source, ("offline", "train"))
        _check_choice("sampling.gradient_norms", self.sampling.gradient_norms, ("auto", "hooks", "loop"))
        if self.sampling.reward_source == "train":
            if self.sampling.strategy in ("multidds", "mos", "odm"):  # static strategies read no rewards at all
                raise ConfigError(f"sampling.reward_source: train is for hbo, hbo-global and hbo-local; "
                                  f"{self.sampling.strategy} reads its rewards offline")
            if self.sampling.local_reward == "ifd":
                raise ConfigError("sampling.local_reward: ifd needs a response-alone pass that training does not "
                                  "make; use ppl or loss with reward_source: train")
        _check_positive("data.max_length", self.data.max_length)
        _check_positive("scoring.num_levels", self.scoring.num_levels)
        _check_positive("scoring.batch_size", self.scoring.batch_size)
        _check_positive("sampling.update_interval", self.sampling.update_interval)
        _check_positive("sampling.actor_steps", self.sampling.actor_steps)
        _check_positive("sampling.online_norm_steps", self.sampling.online_norm_steps)
        _check_positive("sampling.global_samples_per_level", self.sampling.global_samples_per_level)
        _check_positive("sampling.local_samples_per_level", self.sampling.local_samples_per_level)
        _check_positive("training.max_steps", self.training.max_steps)
        _check_positive("training.per_device_train_batch_size", self.training.per_device_train_batch_size)
        if not self.sampling.actor_lr > 0:
            raise ConfigError(f"sampling.actor_lr must be > 0, got {self.sampling.actor_lr}")
        if not 0 <= self.sampling.min_probability < 1:
            raise ConfigError(f"sampling.min_probability must be in [0, 1), got {self.sampling.min_probability}")
        if self.sampling.temperature is not None and not self.sampling.temperature > 0:
            raise ConfigError(f"sampling.temperature must be > 0 (or inf), got {self.sampling.temperature}")
        if self.sampling.reward_ema is not None and not 0 < self.sampling.reward_ema <= 1:
            raise ConfigError(f"sampling.reward_ema must be in (0, 1] or null, got {self.sampling.reward_ema}")
        _check_positive("sampling.multidds.samples_per_dataset", self.sampling.multidds.samples_per_dataset)
        _check_positive("sampling.multidds.reference_per_dataset", self.sampling.multidds.reference_per_dataset)
        _check_positive("sampling.mos.samples_per_dataset", self.sampling.mos.samples_per_dataset)
        _check_positive("sampling.odm.samples_per_dataset", self.sampling.odm.samples_per_dataset)
        unknown = sorted(set(self.sampling.mos.rewards) - {"transferability", "difficulty"})
        if unknown or not self.sampling.mos.rewards:
            raise ConfigError(f"sampling.mos.rewards must list transferability and/or difficulty; got "
                              f"{self.sampling.mos.rewards}")
        if self.sampling.mos.trajectory is not None and not 0 <= self.sampling.mos.trajectory < 1:
            raise ConfigError(f"sampling.mos.trajectory must be in [0, 1) or null, got {self.sampling.mos.trajectory}")
        if not 0 <= self.sampling.odm.smoothing < 1:
            raise ConfigError(f"sampling.odm.smoothing must be in [0, 1), got {self.sampling.odm.smoothing}")
        if not 0 < self.data.train_fraction <= 1:
            raise ConfigError(f"data.train_fraction must be in (0, 1], got {self.data.train_fraction}")
        if not 0 <= self.data.heldout_fraction < 1:
            raise ConfigError(f"data.heldout_fraction must be in [0, 1), got {self.data.heldout_fraction}")
        if not self.data.datasets and not self.data.mixture:
            raise ConfigError("data: give `datasets` (a list) or a built-in `mixture`")
        names = [d.name for d in self.data.datasets]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ConfigError(f"data.datasets: duplicate dataset names {duplicated}")
        return self


# The authors' reference implementation's values, where hbo's defaults differ (see the benchmark's
# sweep for why they differ). A preset only fills keys that the YAML file and the overrides leave unset.
PRESETS = {
    "reference": {
        "scoring": {"metric": "ifd", "num_levels": 4},
        "sampling": {"temperature": 1.0, "update_interval": 200, "actor_lr": 1e-4, "actor_steps": 200,
                     "global_samples_per_level": 8, "local_samples_per_level": 16, "local_reward": "ppl",
                     "reward_ema": None, "min_probability": 0.0},
    },
}


def _under(preset: dict, raw: dict) -> dict:
    """``raw`` deep-merged over ``preset``: raw's values win."""
    merged = dict(preset)
    for key, value in raw.items():
        merged[key] = _under(preset[key], value) if isinstance(value, dict) and isinstance(preset.get(key), dict) else value
    return merged


def load_config(path: str | Path | list | None = None, overrides: list[str] | None = None) -> Config:
    """Defaults, then the preset, then the YAML file(s), then ``section.key=value`` overrides (values
    parsed as YAML). Several files merge in order, a later one's keys winning: a recipe, then a
    file that adapts it (``examples/cpu.yaml``)."""
    raw: dict = {}
    for one in ([] if path is None else path if isinstance(path, (list, tuple)) else [path]):
        raw = _under(raw, _read_yaml(Path(one)))
    for item in overrides or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"override {item!r} must look like section.key=value")
        node = raw
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r}: {part!r} is not a section")
        node[leaf] = yaml.safe_load(value)
    preset = raw.get("preset")
    if preset is not None:
        if preset not in PRESETS:
            raise ConfigError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        raw = _under(PRESETS[preset], raw)
    return build(Config, raw, "").validate()


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return raw


def build(cls, raw: Any, prefix: str):
    """Build dataclass ``cls`` from a mapping, rejecting keys it does not define."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{prefix or 'config'}: expected a mapping, got {raw!r}")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        where = f"{prefix}." if prefix else ""
        raise ConfigError(f"unknown config key {where}{unknown[0]}; valid keys here: {', '.join(fields)}")
    kwargs = {}
    for name, value in raw.items():
        kwargs[name] = _coerce(hints[name], value, f"{prefix}.{name}" if prefix else name)
    try:
        return cls(**kwargs)
    except TypeError as e:  # a required field (e.g. a dataset's name) is missing
        raise ConfigError(f"{prefix or 'config'}: {e}") from None


def _coerce(tp, value, key):
    origin = get_origin(tp)
    args = get_args(tp)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, key)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list, got {value!r}")
        return [_coerce(args[0], v, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a mapping, got {value!r}")
        return value
    if args and type(None) in args:  # Optional[X]
        if value is None:
            return None
        return _coerce(next(a for a in args if a is not type(None)), value, key)
    if tp is Any:
        return value
    if tp is float:
        if isinstance(value, str) and value.lower() in ("inf", "infinity", ".inf"):
            return math.inf
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads "1e-4" (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
    elif tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    elif tp is bool and isinstance(value, bool):
        return value
    elif tp is str and isinstance(value, str):
        return value
    raise ConfigError(f"{key} must be {getattr(tp, '__name__', tp)}, got {value!r}")


def _check_choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {value!r}")


def _check_positive(key: str, value: int) -> None:
    if value < 1:
        raise ConfigError(f"{key} must be >= 1, got {value}")


def to_dict(config: Config) -> dict:
    return dataclasses.asdict(config)


def dump_yaml(config: Config) -> str:
    return yaml.safe_dump(to_dict(config), sort_keys=False)

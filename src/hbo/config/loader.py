"""Loading a configuration: defaults, then a preset, then YAML files, then ``section.key=value``
overrides; ``dump_yaml`` writes the resolved result back."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

import yaml

from hbo.config.schema import Config
from hbo.errors import ConfigError


# The authors' reference implementation's values, where hbo's defaults differ (see the benchmark's
# sweep for why they differ). A preset only fills keys that the YAML file and the overrides leave unset.
_PAPER = {
    "data": {"loss_on": "response"},
    "scoring": {"metric": "ifd", "num_levels": 4},
    "sampling": {"temperature": 1.0, "update_interval": 200, "actor_lr": 1e-4, "actor_steps": 200,
                 "actor_lr_decay": 0.0, "global_draw": "actor",
                 "global_reward": "gradient-norm", "reward_tokens": "response", "local_updates": 1,
                 "global_samples_per_level": 8, "local_samples_per_level": 16, "local_reward": "ppl",
                 "reward_source": "offline", "reward_ema": None, "min_probability": 0.0,
                 "probe_average": None},
}
# Named defaults, applied under a config's own values (docs/configuration.md lists every difference):
# paper: HBO as published (Wang et al. 2026, Appendix A); reference: the authors' code as it runs,
# which trains and measures gradient norms on every token and updates each local actor once per
# gradient-accumulation micro-step (4) at an update point.
PRESETS = {
    "paper": _PAPER,
    "reference": {**_PAPER, "data": {"loss_on": "all"},
                  "sampling": {**_PAPER["sampling"], "reward_tokens": "all", "local_updates": 4}},
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
        raw = _under(raw, _with_paths_from(read_yaml(Path(one)), Path(one).parent))
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


def _with_paths_from(raw: dict, folder: Path) -> dict:
    """A config file's relative dataset paths name files beside it: each ``path`` / ``heldout_path``
    that exists relative to the file's folder is rewritten to that location. Others stay as written
    (relative to the working folder, or a hub id such as ``org/name``)."""
    datasets = (raw.get("data") or {}).get("datasets") if isinstance(raw.get("data"), dict) else None
    for spec in datasets if isinstance(datasets, list) else []:
        for key in ("path", "heldout_path"):
            value = spec.get(key) if isinstance(spec, dict) else None
            if isinstance(value, str) and not Path(value).expanduser().is_absolute() and (folder / value).exists():
                spec[key] = str(folder / value)
    return raw


def read_yaml(path: Path) -> dict:
    """A YAML config file's raw mapping, as written (no defaults filled in): what ``load_config``
    merges, and what a finished run's ``config.yaml`` said for the commands that read runs back. A
    missing, malformed or non-mapping file is a ConfigError that names it."""
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
        return {k: _coerce(args[1], v, f"{key}.{k}") for k, v in value.items()} if args else value
    if origin is Literal:  # a choice list (hbo.config.schema)
        if value in args:
            return value
        raise ConfigError(f"{key} must be one of {', '.join(map(str, args))}; got {value!r}")
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


def dump_yaml(config: Config) -> str:
    return yaml.safe_dump(dataclasses.asdict(config), sort_keys=False)

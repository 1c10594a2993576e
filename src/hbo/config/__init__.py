"""Configuration: the typed schema, its loader (YAML files, presets, overrides) and its reference."""
from hbo.config.loader import PRESETS, build, dump_yaml, load_config, read_yaml
from hbo.config.schema import (Config, DataConfig, DatasetConfig, EvalConfig, ModelConfig, MoSConfig,
                               MultiDDSConfig, MultiUATConfig, ODMConfig, SamplingConfig, ScoringConfig, TrainingConfig, choices)
from hbo.errors import ConfigError

__all__ = ["PRESETS", "Config", "ConfigError", "DataConfig", "DatasetConfig", "EvalConfig", "ModelConfig",
           "MoSConfig", "MultiDDSConfig", "MultiUATConfig", "ODMConfig", "SamplingConfig", "ScoringConfig", "TrainingConfig", "build",
           "choices", "dump_yaml", "load_config", "read_yaml"]

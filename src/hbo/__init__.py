"""hbo: fine-tune a Hugging Face causal LM on a mixture of datasets with Hierarchical Balancing
Optimization. What a library user needs is here; each name is imported on first use, so that
``import hbo.core`` stays free of transformers."""
from __future__ import annotations

import importlib

__version__ = "0.2.0"

_EXPORTS = {
    "Config": "hbo.config", "load_config": "hbo.config", "ConfigError": "hbo.errors", "DataError": "hbo.errors",
    "ModelLoadError": "hbo.errors", "load_model": "hbo.model", "setup_training": "hbo.training.setup",
    "training_arguments": "hbo.training.setup", "MixtureSetup": "hbo.training.setup",
    "MixtureTrainer": "hbo.training.trainer", "MixtureCallback": "hbo.training.trainer",
    "MixtureTrainerMixin": "hbo.training.trainer", "with_mixture": "hbo.training.trainer",
    "MixtureController": "hbo.training.controller", "ModelProbe": "hbo.measure.probe",
    "HierarchicalSampler": "hbo.core.sampler", "STRATEGIES": "hbo.strategies", "make_strategy": "hbo.strategies",
    "evaluate_mixture": "hbo.evaluate", "paired_difference": "hbo.outputs.comparison", "train": "hbo.recipe",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'hbo' has no attribute {name!r}")

"""The errors hbo reports to its user: each message names the input to change. The command line prints
them without a traceback (exit status 2); a stopped run exits with 128 + the signal number."""
from __future__ import annotations

import signal
from pathlib import Path


class ConfigError(ValueError):
    """A config file or override that hbo cannot use; the message names the key."""


class DataError(ValueError):
    """A data file, record or registry package that hbo cannot use; the message names the file or row."""


class ModelLoadError(RuntimeError):
    """A model folder or hub id that could not be loaded."""


class TrainingInterrupted(Exception):
    """SIGINT / SIGTERM stopped training after a step; a checkpoint and the run files were written."""

    def __init__(self, signum: int, step: int, output_dir: Path):
        self.signum, self.step, self.output_dir = signum, step, output_dir
        name = signal.Signals(signum).name
        super().__init__(f"stopped by {name} after step {step}; checkpoint and run files are in {output_dir}/. "
                         f"Resume with: hbo train --config {output_dir}/config.yaml --resume")

"""The errors hbo reports to its user: each message names the input to change. The command line prints
them without a traceback (exit status 2)."""


class ConfigError(ValueError):
    """A config file or override that hbo cannot use; the message names the key."""


class DataError(ValueError):
    """A data file, record or registry package that hbo cannot use; the message names the file or row."""


class ModelLoadError(RuntimeError):
    """A model folder or hub id that could not be loaded."""

"""Training glue: the controller (no transformers), the Trainer and its callback, and the setup that
builds them from a configuration."""

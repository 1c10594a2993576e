"""Measurements of the model being trained: per-example losses and gradients, gradient norms read off
hooks, the signals recorded by the training steps, their split across processes, and the probe that
hands them to the strategies."""

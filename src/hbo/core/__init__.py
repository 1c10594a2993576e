"""The HBO algorithm: prior, actors, levels, sampler and reward arithmetic.

Nothing here imports transformers, accelerate or torch.distributed, so every piece can be tested with
plain tensors.
"""
from hbo.core.actor import SoftmaxActor
from hbo.core.levels import assign_levels, hold_out
from hbo.core.prior import temperature_prior
from hbo.core.rewards import ExponentialAverage, relative_reward
from hbo.core.sampler import HierarchicalSampler

__all__ = [
    "ExponentialAverage",
    "HierarchicalSampler",
    "SoftmaxActor",
    "assign_levels",
    "hold_out",
    "relative_reward",
    "temperature_prior",
]

"""Temperature sampling, the prior every dataset-level distribution starts from."""
from __future__ import annotations

import math
from collections.abc import Sequence


def temperature_prior(sizes: Sequence[int], temperature: float) -> list[float]:
    """Return p_d proportional to n_d ** (1 / T).

    T = 1 samples in proportion to dataset size, T = inf uniformly; larger T flattens the mixture.
    Computed in log space so that large datasets and small T do not overflow.
    """
    if not sizes:
        raise ValueError("temperature_prior needs at least one dataset size")
    if any(n <= 0 for n in sizes):
        raise ValueError(f"dataset sizes must be positive, got {list(sizes)}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0 (or inf), got {temperature}")
    if math.isinf(temperature):
        return [1.0 / len(sizes)] * len(sizes)
    logits = [math.log(n) / temperature for n in sizes]
    top = max(logits)
    weights = [math.exp(x - top) for x in logits]
    total = sum(weights)
    return [w / total for w in weights]

"""Where hbo's own time in the training loop goes, by part: the weight average's move after every
optimiser step (``WeightAverage.update``), the development probe's pass and falls at each update
(``HBOStrategy.heldout_falls``), and the actors' Adam steps (``SoftmaxActor.update``), each timed by a
wrapper, as a share of the Trainer loop (``timing.training_s``); ``timing.update_s`` is hbo's total.
One run of ``hbo train`` at the library's defaults with the overrides given, 300 steps.

    python benchmarks/results/runs/update-breakdown/breakdown.py OUT_DIR [section.key=value ...]
"""
import collections
import json
import sys
import time

import hbo.core.actor as actor
import hbo.measure.averaged_weights as averaged_weights
import hbo.strategies.hbo as hbo_strategy
from hbo.config import load_config
from hbo.recipe import train

SECONDS: collections.Counter = collections.Counter()


def timed(owner, name: str, part: str) -> None:
    function = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SECONDS[part] += time.perf_counter() - started
    setattr(owner, name, wrapper)


timed(averaged_weights.WeightAverage, "update", "weight average")
timed(hbo_strategy.HBOStrategy, "heldout_falls", "probe")
timed(actor.SoftmaxActor, "update", "actors")
out, overrides = sys.argv[1], sys.argv[2:]
train(load_config(None, ["training.max_steps=300", "eval.before=false", "data.heldout_max=20", f"output_dir={out}",
                         *overrides]), progress=False)
timing = json.load(open(f"{out}/eval.json"))["timing"]
loop = timing["training_s"]
print(" ".join(overrides) or "the demo", f"| loop {loop:.1f} s | hbo {100 * timing['update_s'] / loop:.2f}% | "
      + " | ".join(f"{part} {100 * SECONDS[part] / loop:.2f}%" for part in ("weight average", "probe", "actors")))

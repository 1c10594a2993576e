"""Read before the rule: the global actor replayed on the scores its stored runs logged, once as the
default averages them (`reward_ema_of: scores`: the EMA of the raw scores, then divided by its largest)
and once as `reward_ema_of: tilts` (each update's scores divided by their largest, then averaged). Open
loop: the scores are the ones the default's own path produced, so this shows how each rule reads the
same evidence, not what a run under `tilts` would measure. The first replay must give back the logged
mixture (the `replay error` column). Run from the repository root:

    python benchmarks/results/runs/tilts-wrong-mass-screen/replay.py FOLDER ...

Per seed: the mean global share over the second half of the run's records, as logged and under `tilts`."""
import glob
import json
import re
import sys

sys.path.insert(0, "src")
from hbo.core.actor import SoftmaxActor  # noqa: E402
from hbo.core.rewards import ExponentialAverage, tilted_prior  # noqa: E402

# hbo's defaults, as the stored runs ran them
ACTOR_LR, ACTOR_STEPS, EMA, TILT = 1e-3, 200, 0.5, 3.0


def scaled(scores):
    largest = max(abs(s) for s in scores)
    return [s / largest if largest > 0 else 0.0 for s in scores]


def replay(records, ema_of):
    names = list(records[0]["global"])
    prior = [records[0]["global"][n] for n in names]
    actor, ema, path = SoftmaxActor(prior, ACTOR_LR, ACTOR_STEPS), ExponentialAverage(EMA), [prior]
    for record in records[1:]:
        if record.get("global_score") is not None and not record.get("skipped"):
            scores = [record["global_score"][n] for n in names]
            averaged = scaled(ema(scores)) if ema_of == "scores" else ema(scaled(scores))
            actor.update(tilted_prior(prior, averaged, TILT))
        path.append(actor.probabilities.tolist())
    return names, path


def late_mean(path):
    half = path[len(path) // 2:]
    return [sum(p[i] for p in half) / len(half) for i in range(len(half[0]))]


for folder in sys.argv[1:]:
    paths = sorted(glob.glob(f"{folder}/**/hbo-[0-9]*-probabilities.jsonl", recursive=True),
                   key=lambda p: int(re.search(r"hbo-(\d+)-prob", p).group(1)))
    print(f"{folder}: {len(paths)} runs; late = mean share over the second half of the records")
    for path in paths:
        records = [json.loads(line) for line in open(path)]
        names, default = replay(records, "scores")
        _, tilts = replay(records, "tilts")
        logged = [[r["global"][n] for n in names] for r in records]
        error = max(abs(a - b) for x, y in zip(default, logged) for a, b in zip(x, y))
        seed = re.search(r"hbo-(\d+)-prob", path).group(1)
        print(f"  seed {seed:>2} replay error {error:.3f} | late, logged: "
              + " ".join(f"{n} {v:.2f}" for n, v in zip(names, late_mean(logged)))
              + " | under tilts: " + " ".join(f"{v:.2f}" for v in late_mean(tilts)))

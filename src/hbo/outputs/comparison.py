"""Paired comparison of two strategies' held-out results, with a bootstrap confidence interval.

Two strategies run with the same seeds and are scored on the same held-out questions, so their
results are paired: resampling seeds and questions jointly (the same draw for both) keeps the
variation they share out of the interval. The interval covers the two sources of noise a small
benchmark has: which seeds were run, and which questions were asked.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

# per seed: {dataset: [0/1 per held-out question]}, questions in the same order for every run
RunScores = Mapping[str, Sequence[int]]

# each percentage metric of hbo.evaluate.evaluate_mixture, and its 1/0 per held-out question (None: not scored)
PER_QUESTION = {"accuracy": "correct", "exact_match": "exact", "content_accuracy": "content_correct",
                "calibrated_accuracy": "calibrated_correct"}


def macro_accuracy(run: RunScores) -> float:
    """Unweighted mean over datasets of the percentage of questions answered right."""
    return float(np.mean([100.0 * np.mean(v) for v in run.values()]))


def paired_difference(a: Sequence[RunScores], b: Sequence[RunScores], resamples: int = 2000,
                      seed: int = 0) -> dict:
    """Macro accuracy of ``a`` minus ``b`` in points (mean over seeds), and its 95% percentile
    bootstrap interval over seeds and questions: ``{"delta_macro": float, "ci95": [low, high]}``.

    ``a[s]`` and ``b[s]`` are the same seed's runs; every dataset's questions must match in number.
    """
    delta, low, high = paired_interval(a, b, 95.0, resamples, seed)
    return {"delta_macro": delta, "ci95": [low, high]}


def paired_interval(a: Sequence[RunScores], b: Sequence[RunScores], level: float = 95.0, resamples: int = 2000,
                    seed: int = 0) -> tuple[float, float, float]:
    """``paired_difference``'s point difference and its percentile bootstrap interval at ``level``
    percent, as (delta, low, high): a stricter level when a question is looked at a second time."""
    delta, samples = paired_bootstrap(a, b, resamples, seed)
    low, high = np.percentile(samples, [50 - level / 2, 50 + level / 2])
    return delta, float(low), float(high)


def paired_bootstrap(a: Sequence[RunScores], b: Sequence[RunScores], resamples: int = 2000,
                     seed: int = 0) -> tuple[float, np.ndarray]:
    """``paired_difference``'s point difference and its ``resamples`` bootstrap draws, for an interval
    at another level (a stricter one when a question is looked at a second time)."""
    if len(a) != len(b) or not a:
        raise ValueError(f"paired runs need the same seeds on both sides, got {len(a)} and {len(b)}")
    datasets = list(a[0])
    for run in [*a, *b]:
        if list(run) != datasets:
            raise ValueError(f"every run must score the same datasets, got {list(run)} and {datasets}")
    # [seeds, questions] per dataset, a - b
    diffs = {d: np.asarray([np.asarray(x[d], dtype=float) - np.asarray(y[d], dtype=float) for x, y in zip(a, b)])
             for d in datasets}
    delta = float(np.mean([100.0 * diffs[d].mean() for d in datasets]))
    rng = np.random.default_rng(seed)
    seeds = len(a)
    samples = np.zeros(resamples)
    seed_pick = rng.integers(seeds, size=(resamples, seeds))  # a seed is one run: shared by every dataset
    for d in datasets:
        questions = diffs[d].shape[1]
        # resamples in blocks of about _BLOCK picked entries, drawn in order: the same draws as all at
        # once, while memory stays bounded however many questions a dataset has
        rows = max(1, _BLOCK // (seeds * questions))
        for start in range(0, resamples, rows):
            stop = min(start + rows, resamples)
            question_pick = rng.integers(questions, size=(stop - start, questions))
            # mean over the resampled seeds of the mean over the resampled questions
            per_seed = diffs[d][seed_pick[start:stop, :, None], question_pick[:, None, :]].mean(axis=2)
            samples[start:stop] += 100.0 * per_seed.mean(axis=1) / len(datasets)
    return delta, samples


# Picked (seed, question) entries per block of bootstrap resamples: 2**22 float64 = 32 MiB at a time.
_BLOCK = 2 ** 22


def gains_over_baselines(before: Mapping | None, after: Mapping) -> dict:
    """One run's macro accuracy over what it should beat, paired question for question with a 95%
    bootstrap interval over the questions (one run: no seed spread): ``{"before": ..., "constant_letter":
    ...}``, each ``{"delta_macro", "ci95"}`` (points), present when ``before`` was evaluated and when the
    held-out set has multiple choice. ``before`` and ``after`` are :func:`hbo.evaluate.evaluate_mixture`
    results. A gain the size of the questions' noise, or of a preference for one letter, reads as such."""
    from hbo.evaluate import constant_letter_correct

    names = [name for name in after if name != "macro" and after[name].get("examples")]
    run = {name: after[name]["correct"] for name in names}
    gains = {}
    if before is not None and names:
        gains["before"] = paired_difference([run], [{name: before[name]["correct"] for name in names}])
    constant = after.get("macro", {}).get("constant_letter")
    if constant and names and all("answers" in after[name] for name in names):
        letter = {name: constant_letter_correct(after[name]["answers"], constant["letter"]) for name in names}
        gains["constant_letter"] = paired_difference([run], [letter])
    return gains


def compare_evaluations(a: Sequence[Mapping], b: Sequence[Mapping], metric: str = "accuracy") -> dict:
    """Two sets of runs, ``a[i]`` paired with ``b[i]``, each an :func:`hbo.evaluate.evaluate_mixture`
    result on the same held-out questions: every dataset's ``metric`` (percent) in each, and ``a``
    minus ``b`` with its paired 95% bootstrap interval, per dataset and macro. Questions a run did not
    score for ``metric`` (exact match of multiple choice) are left out, and must be the same in every
    run. Returns ``{"metric", "runs", "datasets": {name: {"a", "b", "delta", "ci95", "questions"}},
    "macro": {"a", "b", "delta_macro", "ci95"}}``."""
    if metric not in PER_QUESTION:
        raise ValueError(f"metric must be one of {', '.join(PER_QUESTION)}, got {metric!r}")
    if len(a) != len(b) or not a:
        raise ValueError(f"pairs need as many runs on each side, got {len(a)} and {len(b)}")
    key = PER_QUESTION[metric]
    names = [name for name in a[0] if name != "macro"]
    scores: tuple[list[dict], list[dict]] = ([], [])
    kept: dict[str, list[int]] = {}
    answers: dict[str, list] = {}
    for side, runs in zip(scores, (a, b)):
        for run in runs:
            if [name for name in run if name != "macro"] != names:
                raise ValueError(f"every run must score the same datasets, got {[n for n in run if n != 'macro']} "
                                 f"and {names}")
            side.append({})
            for name in names:
                values = run[name].get(key)
                if values is None:
                    raise ValueError(f"{name}: the results hold no {key!r} per question (evaluated before hbo "
                                     "recorded them?)")
                if "answers" in run[name] and answers.setdefault(name, run[name]["answers"]) != run[name]["answers"]:
                    raise ValueError(f"{name}: the runs' questions have different right options: not the same "
                                     "held-out set")
                scored = [i for i, v in enumerate(values) if v is not None]
                if kept.setdefault(name, scored) != scored:
                    raise ValueError(f"{name}: the runs scored different questions for {metric} ({len(scored)} "
                                     f"against {len(kept[name])}): not the same held-out set")
                side[-1][name] = [values[i] for i in scored]
    names = [name for name in names if kept[name]]  # a dataset with no question for this metric drops out
    if not names:
        raise ValueError(f"no dataset has a question scored for {metric}")
    a_runs, b_runs = ([{n: run[n] for n in names} for run in side] for side in scores)
    def summary(a_side: list[dict], b_side: list[dict]) -> dict:
        """Mean macro accuracy of each side over its runs, and the paired difference."""
        return {"a": float(np.mean([macro_accuracy(r) for r in a_side])),
                "b": float(np.mean([macro_accuracy(r) for r in b_side])), **paired_difference(a_side, b_side)}

    datasets = {}
    for n in names:
        single = summary([{n: run[n]} for run in a_runs], [{n: run[n]} for run in b_runs])
        datasets[n] = {"a": single["a"], "b": single["b"], "delta": single["delta_macro"], "ci95": single["ci95"],
                       "questions": len(kept[n])}
    return {"metric": metric, "runs": len(a), "datasets": datasets, "macro": summary(a_runs, b_runs)}

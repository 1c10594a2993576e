"""The run's logs: ``probabilities.jsonl`` (one record per actor update) and, optionally,
``samples.jsonl`` (the example indices trained on between records). Both are rewritten atomically
at every record, so a crash never leaves half a line behind."""
from __future__ import annotations

import json
import math
from pathlib import Path

from hbo.files import atomic_write_text
from hbo.strategies.base import ANSWER_COLUMNS

# The record's keys for the development probe's answer measures, one per ``heldout_measure`` that has a
# column of its own
PROBE_ANSWER_KEYS = tuple(f"probe_{name}" for name in ANSWER_COLUMNS)


class RunLog:
    """Records keyed by dataset name and level number, kept in memory for plots.

    Each record: ``{"step", "global": {dataset: p}, "local": {dataset: {level: p}},
    "global_reward": {dataset: r} | null, "local_reward": {dataset: {level: r}} | null,
    "global_score": {dataset: s} | null, "probe_loss": {dataset: loss | null} | null,
    "probe_wrong_tokens": {dataset: share | null} | null, "probe_margin": {dataset: deficit | null} | null,
    "probe_wrong_mass": {dataset: mass | null} | null,
    "counts": {dataset: {level: n}}, "skipped": [actor, ...]}``;
    ``global_score`` is each dataset's score behind the global reward at that update, before the EMA
    and the tilt (the held-out global reward's fall past the noise band, per unit of sampling
    probability; null for other rewards), ``probe_loss`` each dataset's mean development-probe loss
    (strategies that hold out a probe), ``probe_wrong_tokens``, ``probe_margin`` and
    ``probe_wrong_mass`` its mean share of wrong answer tokens, their mean margin deficit and the mean
    probability left on wrong answer tokens (with an answer measure: ``heldout_measure:
    wrong_tokens``, ``margin`` or ``wrong_mass``), counts are the examples trained on since the
    previous record, ``skipped`` names the actors that kept their distribution this time (unusable
    rewards, or no clear fall under ``global_moves: on_evidence``).
    """

    def __init__(self, names: list[str], path: str | Path | None = None, samples_path: str | Path | None = None):
        self.names = names
        self.path = Path(path) if path else None
        self.samples_path = Path(samples_path) if samples_path else None
        self.records: list[dict] = []
        self.samples: list[dict] = []

    def record(self, step, global_probs, local_probs, global_reward, local_reward, counts,
               skipped=(), ids=None, probe_loss=None, probe_answers=None, global_score=None) -> dict:
        """``probe_answers`` maps each ``ANSWER_COLUMNS`` name to its per-dataset means (a strategy's
        ``probe_answer_means()``); None records every ``probe_<name>`` as null."""
        rec = {
            "step": step,
            "global": dict(zip(self.names, global_probs)),
            "local": self._per_level(local_probs),
            "global_reward": dict(zip(self.names, global_reward)) if global_reward is not None else None,
            "local_reward": self._per_level(local_reward) if local_reward is not None else None,
            "global_score": dict(zip(self.names, global_score)) if global_score is not None else None,
            "probe_loss": dict(zip(self.names, probe_loss)) if probe_loss is not None else None,
            **{key: dict(zip(self.names, probe_answers[name])) if probe_answers is not None else None
               for name, key in zip(ANSWER_COLUMNS, PROBE_ANSWER_KEYS)},
            "counts": self._per_level(counts),
            "skipped": [s if isinstance(s, str) else f"local:{self.names[s]}" for s in skipped],
        }
        self.records.append(rec)
        self.samples.append({"step": step, "ids": list(ids or [])})
        self.flush()
        return rec

    def flush(self) -> None:
        if self.path:
            atomic_write_text(self.path, "".join(json.dumps(r) + "\n" for r in self.records))
        if self.samples_path:
            atomic_write_text(self.samples_path, "".join(json.dumps(r) + "\n" for r in self.samples))

    def resume(self, step: int) -> None:
        """Take back the records written up to ``step`` by an interrupted run of the same config."""
        if self.path and self.path.is_file():
            self.records = [r for r in read_log(self.path) if r["step"] <= step]
        if self.samples_path and self.samples_path.is_file():
            self.samples = [r for r in read_log(self.samples_path) if r["step"] <= step]
        self.flush()

    def _per_level(self, values) -> dict:
        return {name: {str(k): v for k, v in enumerate(row)} for name, row in zip(self.names, values)}


def scalars(record: dict) -> dict[str, float]:
    """One record as flat scalars for a training logger (TensorBoard, W&B through the Trainer's log):
    ``hbo/global/<dataset>``, ``hbo/local/<dataset>/<level>`` (probabilities), ``hbo/global_reward/<dataset>``,
    ``hbo/local_reward/<dataset>/<level>`` (when the update had them), ``hbo/global_score/<dataset>`` (the
    held-out global reward's score behind them), ``hbo/probe_loss/<dataset>`` (the
    development probe's loss, with a held-out reward), ``hbo/probe_wrong_tokens/<dataset>``,
    ``hbo/probe_margin/<dataset>`` and ``hbo/probe_wrong_mass/<dataset>`` (its share of wrong answer
    tokens, their mean margin deficit and the probability left on wrong answer tokens, with an answer
    measure: ``heldout_measure: wrong_tokens``, ``margin`` or ``wrong_mass``) and
    ``hbo/examples/<dataset>`` (examples trained on since the previous record). Values that are not
    finite numbers are left out."""
    flat = {f"hbo/global/{d}": p for d, p in record["global"].items()}
    flat.update({f"hbo/local/{d}/{k}": p for d, levels in record["local"].items() for k, p in levels.items()})
    if record.get("global_reward"):
        flat.update({f"hbo/global_reward/{d}": r for d, r in record["global_reward"].items()})
    if record.get("local_reward"):
        flat.update({f"hbo/local_reward/{d}/{k}": r for d, levels in record["local_reward"].items()
                     for k, r in levels.items()})
    for measure in ("global_score", "probe_loss", *PROBE_ANSWER_KEYS):
        if record.get(measure):
            flat.update({f"hbo/{measure}/{d}": value for d, value in record[measure].items()})
    flat.update({f"hbo/examples/{d}": sum(levels.values()) for d, levels in record["counts"].items()})
    return {k: float(v) for k, v in flat.items() if isinstance(v, (int, float)) and math.isfinite(v)}


def read_log(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def mean_shares(records: list[dict]) -> dict[str, float]:
    """Each dataset's global probability averaged over every record of a run's log (the prior and
    each update): where an hbo run sent its samples on average, which ``sampling.strategy: fixed``
    can hold for a later run (``hbo shares``)."""
    if not records:
        raise ValueError("the log has no records")
    names = list(records[0]["global"])
    return {d: sum(r["global"][d] for r in records) / len(records) for d in names}

"""The run's probability log, ``probabilities.jsonl``: one record per actor update."""
from __future__ import annotations

import json
from pathlib import Path


class RunLog:
    """Writes records keyed by dataset name and level number, and keeps them in memory for plots.

    Each record: ``{"step", "global": {dataset: p}, "local": {dataset: {level: p}},
    "global_reward": {dataset: r} | null, "local_reward": {dataset: {level: r}} | null,
    "counts": {dataset: {level: n}}}``; counts are the examples drawn since the previous record.
    """

    def __init__(self, names: list[str], path: str | Path | None = None):
        self.names = names
        self.path = Path(path) if path else None
        self.records: list[dict] = []
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text("")

    def record(self, step, global_probs, local_probs, global_reward, local_reward, counts) -> dict:
        rec = {
            "step": step,
            "global": dict(zip(self.names, global_probs)),
            "local": self._per_level(local_probs),
            "global_reward": dict(zip(self.names, global_reward)) if global_reward is not None else None,
            "local_reward": self._per_level(local_reward) if local_reward is not None else None,
            "counts": self._per_level(counts),
        }
        self.records.append(rec)
        if self.path:
            with self.path.open("a") as f:
                f.write(json.dumps(rec) + "\n")
        return rec

    def _per_level(self, values) -> dict:
        return {name: {str(k): v for k, v in enumerate(row)} for name, row in zip(self.names, values)}


def read_log(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]

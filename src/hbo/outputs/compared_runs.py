"""``hbo compare``: finished ``hbo train`` runs read back, checked to have been scored on the same
held-out questions (the settings that decide them, and the questions' digests where eval.json has
them), paired and printed. The arithmetic is :func:`hbo.outputs.comparison.compare_evaluations`."""
from __future__ import annotations

import json
from pathlib import Path

from hbo.config import read_yaml
from hbo.errors import DataError
from hbo.outputs.comparison import compare_evaluations

# Settings that do not change which held-out questions a run is scored on, or how: left out of the check.
NOT_HELD_OUT = {"data": {"train_fraction", "cache_dir", "num_proc", "loss_on"}, "eval": {"before", "batch_size"}}


def read_run(run_dir: str | Path) -> tuple[dict, dict]:
    """(the ``after`` results of ``eval.json``, ``config.yaml``) of a finished ``hbo train`` run."""
    run = Path(run_dir)
    for name in ("eval.json", "config.yaml"):
        if not (run / name).is_file():
            raise FileNotFoundError(f"{run / name}: no such file (is {run} a finished hbo train run?)")
    results = json.loads((run / "eval.json").read_text())
    if not isinstance(results, dict) or not isinstance(results.get("after"), dict):
        raise DataError(f"{run / 'eval.json'}: no 'after' results")
    return results["after"], read_yaml(run / "config.yaml")


def held_out_settings(config: dict) -> dict:
    """The sections of a run's config that decide its held-out questions and their scoring."""
    return {section: {k: v for k, v in (config.get(section) or {}).items() if k not in left_out}
            for section, left_out in NOT_HELD_OUT.items()}


def compare_runs(a_dirs: list[str], b_dirs: list[str], metric: str = "accuracy") -> dict:
    """``a_dirs[i]`` against ``b_dirs[i]`` (see :func:`compare_evaluations`), refused unless every run
    was scored on the same held-out questions with the same settings. Adds ``"a"``, ``"b"`` (the
    folders) and ``"seeds"`` (each pair's sampling and training seeds)."""
    if len(a_dirs) != len(b_dirs) or not a_dirs:
        raise DataError(f"hbo compare pairs runs in the order given: {len(a_dirs)} against {len(b_dirs)}")
    repeated = {d for d in a_dirs + b_dirs if (a_dirs + b_dirs).count(d) > 1}
    if repeated:
        raise DataError(f"a run appears more than once: {', '.join(sorted(repeated))}")
    runs = {d: read_run(d) for d in a_dirs + b_dirs}
    first = held_out_settings(runs[a_dirs[0]][1])
    for d, (_, config) in runs.items():
        settings = held_out_settings(config)
        if settings != first:
            differ = [f"{s}.{k}" for s in first for k in sorted(set(first[s]) | set(settings[s]))
                      if first[s].get(k) != settings[s].get(k)]
            raise DataError(f"{d} was not scored like {a_dirs[0]}: {', '.join(differ)} differ, so the held-out "
                            "questions or their scoring are not the same")
    first_digests = _digests(runs[a_dirs[0]][0])
    for d, (results, _) in runs.items():
        differ = [name for name, digest in _digests(results).items()
                  if first_digests.get(name, digest) != digest]
        if differ:
            raise DataError(f"{d} was scored on other held-out questions than {a_dirs[0]} for {', '.join(differ)} "
                            "(their texts differ: the data files changed)")
    try:
        result = compare_evaluations([runs[d][0] for d in a_dirs], [runs[d][0] for d in b_dirs], metric)
    except ValueError as e:
        raise DataError(str(e)) from None
    seeds = [[_seeds(runs[x][1]), _seeds(runs[y][1])] for x, y in zip(a_dirs, b_dirs)]
    return {**result, "a": list(a_dirs), "b": list(b_dirs), "seeds": seeds}


def _digests(results: dict) -> dict:
    """Each dataset's ``questions_digest`` where its eval.json records one (runs before it did not)."""
    return {name: r["questions_digest"] for name, r in results.items()
            if isinstance(r, dict) and r.get("questions_digest") is not None}


def _seeds(config: dict) -> dict:
    return {section: (config.get(section) or {}).get("seed") for section in ("sampling", "training")}


def format_comparison(result: dict) -> str:
    """The comparison as a plain-text table, with the runs and how they were paired."""
    def interval(low: float, high: float) -> str:
        return f"[{low:+.1f}, {high:+.1f}]" + (" within noise" if low <= 0 <= high else "")

    rows = [["dataset", "questions", "A", "B", "A - B [95% CI]"]]
    for name, d in result["datasets"].items():
        rows.append([name, str(d["questions"]), f"{d['a']:.1f}", f"{d['b']:.1f}",
                     f"{d['delta']:+.1f} {interval(*d['ci95'])}"])
    m = result["macro"]
    rows.append(["macro", "", f"{m['a']:.1f}", f"{m['b']:.1f}", f"{m['delta_macro']:+.1f} {interval(*m['ci95'])}"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i in (0, 4) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
             for r in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    unpaired = sum(a != b for a, b in result["seeds"])
    head = [f"{result['metric']} (%), {result['runs']} run(s) a side, paired in the order given; the interval "
            "resamples the pairs and the held-out questions",
            "A: " + ", ".join(result["a"]), "B: " + ", ".join(result["b"])]
    if unpaired:
        head.append(f"note: {unpaired} pair(s) ran with different seeds, so the pairing shares the questions only")
    if result["runs"] == 1:
        head.append("note: one run a side: the interval covers the questions, not the run-to-run spread")
    return "\n".join(head + [""] + lines)

"""``hbo data prepare``: public exam and QA sets, fetched from the package registry and made ready to train on.

The sets ship inside the ``evals`` wheel (OpenAI's eval registry, chat records ``{"input": [messages],
"ideal": answer}``). We download the wheel with pip (no install: its dependencies are heavy and none
is needed), read the JSONL straight out of the zip, keep rows that have a user turn and an answer
(dropping exact duplicates, and counting every dropped row with its reason), split each dataset into train and held-out (seeded) and write chat JSONL plus a mixture config.
Nothing is committed to the project: the data is fetched and prepared on the user's machine.

Two setups mirror the paper's: ``multilingual`` (school-exam multiple choice in 8 languages) and
``multitask`` (general, financial, math and medical sets, grouped into 4 datasets by domain).
"""
from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hbo.data.formats import DataError

EVALS = "evals==3.0.1.post1"
REGISTRY = "evals/registry/data/"
LANGUAGES = ("arabic", "french", "german", "italian", "polish", "spanish", "turkish", "vietnamese")
# dataset -> files under REGISTRY (a name ending in "/" means every .jsonl file in that folder)
SETUPS: dict[str, dict[str, list[str]]] = {
    "multilingual": {language: [f"{language}-exams-qa/samples.jsonl"] for language in LANGUAGES},
    "multitask": {
        "general": ["logiqa/logiqa.jsonl", "arc/samples.jsonl"],
        "financial": ["finance_calc/samples.jsonl", "taxes/samples.jsonl", "stock_options/"],
        "math": ["jee-math/samples.jsonl", "linear_equations/samples.jsonl"],
        "medical": ["medmcqa/samples.jsonl"],
    },
}
CACHE = "~/.cache/hbo/wheels"  # where downloaded wheels are kept
HELDOUT_FRACTION, HELDOUT_MIN = 0.2, 100  # at least 20%, and at least 100 examples (never over half)


@dataclass
class Prepared:
    """What one dataset became: examples kept per split, and rows dropped with the reason."""
    name: str
    train: int = 0
    heldout: int = 0
    dropped: dict[str, int] = field(default_factory=dict)


def fetch_wheel(requirement: str, cache: Path) -> Path:
    """The wheel of ``requirement`` (``name==version``) in ``cache``, downloaded with pip if missing."""
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(cache.glob(pattern))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        print(f"downloading {requirement} (pip download --no-deps) into {cache}", flush=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                               requirement, "-d", str(cache)], capture_output=True, text=True)
        found = sorted(cache.glob(pattern))
        if done.returncode != 0 or not found:
            raise DataError(f"could not download {requirement}: {done.stderr.strip()[-500:]}")
    return found[0]


def registry_files(wheel: zipfile.ZipFile, entries: list[str]) -> list[str]:
    names = set(wheel.namelist())
    files = []
    for entry in entries:
        path = REGISTRY + entry
        matched = ([n for n in sorted(names) if n.startswith(path) and n.endswith(".jsonl")] if entry.endswith("/")
                   else [path] if path in names else [])
        if not matched:
            raise DataError(f"{wheel.filename}: no {path} in the wheel")
        files += matched
    return files


def to_chat(row: object) -> tuple[dict | None, str | None]:
    """(chat record, None) or (None, why the row is dropped)."""
    if not isinstance(row, dict) or not isinstance(row.get("input"), list):
        return None, "no input messages"
    messages = [m for m in row["input"] if isinstance(m, dict) and isinstance(m.get("content"), str)]
    if not any(m.get("role") == "user" for m in messages):
        return None, "no user turn"
    ideal = row.get("ideal")
    if isinstance(ideal, list):
        ideal = ideal[0] if ideal else None
    if ideal is None or not str(ideal).strip():
        return None, "no answer"
    prompt = [{"role": m["role"], "content": m["content"]} for m in messages]
    return {"messages": prompt + [{"role": "assistant", "content": str(ideal).strip()}]}, None


def heldout_size(n: int) -> int:
    return min(max(math.ceil(HELDOUT_FRACTION * n), HELDOUT_MIN), n // 2)


def prepare(setup: str, out: Path, wheel_path: Path | None = None, cache: Path | None = None,
            seed: int = 0) -> list[Prepared]:
    """Write ``out/NAME/{train,heldout}.jsonl`` for every dataset of ``setup`` and ``out/mixture.yaml``."""
    if setup not in SETUPS:
        raise DataError(f"unknown setup {setup!r}; choose {', '.join(SETUPS)}")
    wheel_path = wheel_path or fetch_wheel(EVALS, cache or Path(CACHE).expanduser())
    reports, datasets = [], []
    with zipfile.ZipFile(wheel_path) as wheel:
        for name, entries in SETUPS[setup].items():
            report, records, seen = Prepared(name), [], set()
            for file in registry_files(wheel, entries):
                source = file[len(REGISTRY):]
                for line in wheel.read(file).decode("utf-8").splitlines():
                    if not line.strip():
                        continue
                    try:
                        record, why = to_chat(json.loads(line))
                    except json.JSONDecodeError:
                        record, why = None, "malformed JSON"
                    key = json.dumps(record, sort_keys=True) if record else None
                    if record is not None and key in seen:
                        record, why = None, "duplicate"  # else a copy could land on both sides of the split
                    if record is None:
                        report.dropped[why] = report.dropped.get(why, 0) + 1
                    else:
                        seen.add(key)
                        records.append(dict(record, source=source))
            random.Random(f"{seed}:{name}").shuffle(records)
            held = heldout_size(len(records))
            folder = out / name
            folder.mkdir(parents=True, exist_ok=True)
            for split, rows in (("heldout", records[:held]), ("train", records[held:])):
                (folder / f"{split}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                                       encoding="utf-8")
            report.train, report.heldout = len(records) - held, held
            reports.append(report)
            datasets.append({"name": name, "path": str(folder / "train.jsonl"),
                             "heldout_path": str(folder / "heldout.jsonl")})
    config = {"data": {"datasets": datasets, "heldout_max": max(r.heldout for r in reports)}}
    (out / "mixture.yaml").write_text(f"# hbo data prepare {setup}: {EVALS}, seed {seed}\n"
                                      + yaml.safe_dump(config, sort_keys=False))
    return reports

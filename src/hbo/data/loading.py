"""Reading one dataset (local file, dataset folder or hub id) into validated Examples, with line-numbered errors."""
from __future__ import annotations

import json
import random
from pathlib import Path

from hbo.data.formats import DataError, Example, to_example

LOCAL_SUFFIXES = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}


def load_examples(path: str, fmt: str = "auto", split: str = "train", subset: str | None = None) -> list[Example]:
    """Load every record of a local file, a dataset folder or a hub dataset through HF ``datasets``.

    A ``.jsonl`` file is read line by line here (a malformed line is reported with its line number);
    other files go through HF ``datasets`` and their rows are reported by row number.
    """
    local = Path(path).expanduser()
    suffix = local.suffix.lower()
    if local.is_file() or (suffix in LOCAL_SUFFIXES and not local.is_dir()):
        if not local.is_file():
            raise DataError(f"{path}: file not found (looked for {local.resolve()}; a relative path in a config "
                            "file is read beside that file first, then from the working folder)")
        if suffix not in LOCAL_SUFFIXES:
            raise DataError(f"{path}: unsupported file type {suffix!r}; use one of {', '.join(LOCAL_SUFFIXES)}")
        if suffix == ".jsonl":  # read here, line by line: no datasets cache entry, errors by line number
            examples = _read_jsonl(local, fmt)
            if not examples:
                raise DataError(f"{path}: the dataset is empty")
            return examples
        if local.stat().st_size == 0:
            raise DataError(f"{path}: the dataset is empty")
        rows = _load_local(local, LOCAL_SUFFIXES[suffix])
        where = lambda i: f"{path}: row {i + 1}"  # noqa: E731
    else:  # a dataset folder or a hub id: HF datasets reads both the same way
        rows = _load_hub(str(local) if local.is_dir() else path, split, subset)
        where = lambda i: f"{path} ({split}): row {i + 1}"  # noqa: E731
        builder = getattr(getattr(rows, "info", None), "builder_name", None)
        if local.is_dir() and builder not in (None, *LOCAL_SUFFIXES.values(), "parquet", "arrow"):
            raise DataError(f"{path}: a folder that Hugging Face datasets reads as {builder} files, not a dataset of "
                            f"examples; give a {', '.join(LOCAL_SUFFIXES)} file, or a folder of them")
    if len(rows) == 0:
        raise DataError(f"{path}: the dataset is empty")
    taken_as = "file" if local.is_file() else "dataset folder" if local.is_dir() else "hub dataset"
    try:
        return [to_example(row, fmt, where(i)) for i, row in enumerate(rows)]
    except DataError:
        raise
    except Exception as e:  # rows are decoded lazily (images, audio): a bad one fails here
        raise DataError(f"{path} (read as a {taken_as}): a row could not be read: {type(e).__name__}: {e}") from None


def split_heldout(examples: list[Example], fraction: float, max_examples: int, seed: int) -> tuple[list[Example], list[Example]]:
    """Seeded split into (train, held-out); the training side always keeps at least one example."""
    n_heldout = min(int(round(fraction * len(examples))), max_examples, len(examples) - 1)
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    held = set(order[:max(n_heldout, 0)])
    train = [ex for i, ex in enumerate(examples) if i not in held]
    heldout = [ex for i, ex in enumerate(examples) if i in held]
    return train, heldout


def _read_jsonl(path: Path, fmt: str) -> list[Example]:
    """Every non-blank line as an Example; a bad line stops with its 1-based line number."""
    examples = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{number}: malformed JSON ({e.msg} at column {e.colno})") from None
            examples.append(to_example(record, fmt, f"{path}:{number}"))
    return examples


def _load_local(path: Path, builder: str):
    import datasets

    try:
        return datasets.load_dataset(builder, data_files=str(path), split="train")
    except Exception as e:  # datasets raises many types; the user needs the file name above all
        raise DataError(f"{path}: could not be read as {builder}: {e}") from None


def _load_hub(name: str, split: str, subset: str | None):
    import datasets

    try:
        return datasets.load_dataset(name, subset, split=split)
    except Exception as e:
        raise DataError(f"{name}: could not be loaded as a dataset folder or hub dataset: {e}") from None


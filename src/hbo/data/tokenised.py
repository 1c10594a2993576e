"""A dataset's training examples, tokenised once into Arrow and memory-mapped from hbo's cache.

Python lists of Python ints cost about 140 bytes per token; an Arrow column of int32 costs 4, lives in
a file that every process (and every later run on the same data and tokenizer) maps instead of
tokenising again, and is read one example at a time. Tokenising runs through ``Dataset.map`` in
batches, in several processes for large datasets. An example is still handed out as an
:class:`~hbo.data.encoding.Encoded` (built on access), so nothing downstream holds the whole mixture.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hbo.data.encoding import ChatRenderer, Encoded, fit_response, labels_for, render
from hbo.data.formats import Example

TOKENISED_VERSION = 1  # bump when the stored columns or the way they are computed change
PARALLEL_FROM = 2_000  # examples per process below which one process tokenises faster than several


def tokenizer_fingerprint(tokenizer) -> str:
    """Everything about the tokenizer that changes token ids: its vocabulary and rules, the chat template
    and the special tokens the template reads."""
    h = hashlib.sha256(type(tokenizer).__name__.encode())
    backend = getattr(tokenizer, "backend_tokenizer", None)
    h.update(backend.to_str().encode() if backend is not None else json.dumps(tokenizer.get_vocab(), sort_keys=True).encode())
    h.update(json.dumps([tokenizer.chat_template, tokenizer.bos_token, tokenizer.eos_token, tokenizer.pad_token,
                         tokenizer.unk_token], default=str).encode())
    return h.hexdigest()[:16]


def examples_fingerprint(examples: Sequence[Example]) -> str:
    known = getattr(examples, "fingerprint", None)  # examples read before: known without reading them
    if known is not None:
        return known
    h = hashlib.sha256()
    for ex in examples:
        h.update(json.dumps(ex.prompt, ensure_ascii=False).encode())
        h.update(b"\x00")
        h.update(ex.response.encode())
        h.update(b"\x01")
    return h.hexdigest()[:16]


class TokenisedExamples(Sequence):
    """Training examples as Arrow rows (``input_ids``: int32 list, ``prompt_length``: int32); item i is
    an ``Encoded`` whose labels follow ``loss_on`` (-100 on the prompt for ``response``)."""

    def __init__(self, table, loss_on: str, key: str):
        self.table, self.loss_on, self.key = table, loss_on, key

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        row = self.table[int(i)]
        ids, p = row["input_ids"], row["prompt_length"]
        return Encoded(ids[:p], ids[p:], labels_for(ids, p, self.loss_on), "")

    def sequence_lengths(self) -> tuple[np.ndarray, np.ndarray]:
        """Every example's (tokens, prompt tokens), from the Arrow offsets and column (no row is decoded)."""
        import pyarrow.compute as pc

        lengths = pc.list_value_length(self.table.data.column("input_ids")).to_numpy(zero_copy_only=False)
        prompts = self.table.data.column("prompt_length").to_numpy()
        return np.asarray(lengths, dtype=np.int64), np.asarray(prompts, dtype=np.int64)

    def token_count(self) -> int:
        return int(self.sequence_lengths()[0].sum())


def tokenise(examples: Sequence[Example], tokenizer, max_length: int, loss_on: str, cache: str | Path,
             num_proc: int | None = None) -> tuple[TokenisedExamples, int, int]:
    """``examples`` tokenised (from the cache when this data, tokenizer and length were seen before);
    returns (examples that fit, truncated, dropped). Dropped: the prompt alone fills ``max_length``;
    truncated: the response was cut to fit."""
    from datasets import Dataset, concatenate_datasets

    key = hashlib.sha256(f"{TOKENISED_VERSION}:{examples_fingerprint(examples)}:{tokenizer_fingerprint(tokenizer)}:"
                         f"{max_length}".encode()).hexdigest()[:20]
    folder = Path(cache).expanduser() / f"tokenised-{key}"
    meta_path = folder / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        table = concatenate_datasets([Dataset.from_file(str(folder / f)) for f in meta["files"]])
        return TokenisedExamples(table, loss_on, key), meta["truncated"], meta["dropped"]
    from filelock import FileLock

    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{folder}.lock"):  # processes of one job (or runs started together) tokenise once
        if not meta_path.is_file():
            _write(examples, tokenizer, max_length, folder, num_proc)
    return tokenise(examples, tokenizer, max_length, loss_on, cache, num_proc)


def _write(examples, tokenizer, max_length, folder: Path, num_proc) -> None:
    from datasets import Dataset, Features, List, Value

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    source = Dataset.from_dict({"prompt": [json.dumps(ex.prompt, ensure_ascii=False) for ex in examples],
                                "response": [ex.response for ex in examples]})
    if num_proc is None:
        num_proc = max(1, min(len(os.sched_getaffinity(0)), len(examples) // PARALLEL_FROM))
    features = Features({"input_ids": List(Value("int32")), "prompt_length": Value("int32"),
                         "truncated": Value("bool")})
    table = source.map(_Tokenise(tokenizer, max_length), batched=True, batch_size=1000, num_proc=num_proc if num_proc > 1 else None,
                       remove_columns=["prompt", "response"], features=features,
                       cache_file_name=str(tmp / "rows.arrow"), desc="tokenising")
    truncated = int(np.asarray(table.data.column("truncated").to_numpy(zero_copy_only=False)).sum())
    files = sorted(p.name for p in tmp.glob("rows*.arrow"))
    (tmp / "meta.json").write_text(json.dumps({"files": files, "examples": len(table), "truncated": truncated,
                                               "dropped": len(examples) - len(table)}))
    del table, source
    shutil.rmtree(folder, ignore_errors=True)
    tmp.replace(folder)


class _Tokenise:
    """The map function (picklable, for worker processes): render with the chat template, tokenise
    prompt and response apart so their boundary is exact, cut to ``max_length``, drop what cannot fit."""

    def __init__(self, tokenizer, max_length: int):
        self.tokenizer, self.max_length = tokenizer, max_length
        self.renderer = None  # built in the process that renders: a compiled template does not pickle

    def __getstate__(self):
        return {**self.__dict__, "renderer": None}

    def __call__(self, batch: dict) -> dict:
        self.renderer = self.renderer or ChatRenderer(self.tokenizer)
        prompts, responses = render(self.tokenizer, [json.loads(p) for p in batch["prompt"]], batch["response"],
                                    self.renderer)
        out = {"input_ids": [], "prompt_length": [], "truncated": []}
        for p, r in zip(_ids(self.tokenizer, prompts), _ids(self.tokenizer, responses)):
            fitted = fit_response(p, r, self.max_length)
            if fitted is not None:
                out["input_ids"].append(p + fitted)
                out["prompt_length"].append(len(p))
                out["truncated"].append(len(fitted) < len(r))
        return out


def _ids(tokenizer, texts: list[str]) -> list[list[int]]:
    """Token ids without special tokens added: straight from a fast tokenizer's backend (the same ids,
    without building Python encodings or character offsets), else through the tokenizer."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and getattr(tokenizer, "is_fast", False):
        encode = getattr(backend, "encode_batch_fast", backend.encode_batch)  # _fast: tokenizers >= 0.20, no offsets
        return [e.ids for e in encode(texts, add_special_tokens=False)]
    return tokenizer(texts, add_special_tokens=False)["input_ids"]

"""The training mixture: every dataset loaded, split, rendered with the chat template and tokenised."""
from __future__ import annotations

import bisect
import hashlib
import json
import os
import random
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from hbo.config import DataConfig, DatasetConfig
from hbo.data.formats import DataError, Example
from hbo.data.loading import load_examples, split_heldout
from hbo.data.encoding import DatasetReport, Encoded, encode_examples, labels_for, sequence_lengths
from hbo.data.tokenised import examples_fingerprint, tokenise


@dataclass
class Mixture:
    names: list[str]
    train: list[list[Encoded]]
    heldout: list[list[Encoded]]
    reports: dict[str, DatasetReport] = field(default_factory=dict)
    # per dataset, a digest of the held-out questions' texts as read (see ``questions_digest``); empty
    # when the mixture was built by hand
    heldout_digests: list[str] = field(default_factory=list)

    def flat(self) -> FlatTrainSet:
        return FlatTrainSet(self.train)

    def fingerprint(self) -> str:
        """Identifies the training examples' tokens, for the score cache: the tokenised datasets' own
        keys (content, tokenizer, length) where they have one, else a hash of every example's tokens."""
        h = hashlib.sha256()
        for name, examples in zip(self.names, self.train):
            h.update(name.encode())
            key = getattr(examples, "key", None)
            if key is not None:
                h.update(f"{key}:{examples.loss_on}".encode())
                continue
            for ex in examples:
                h.update(torch.tensor(ex.prompt_ids + [-1] + ex.response_ids + [-2] + ex.labels).numpy().tobytes())
        return h.hexdigest()[:16]


class FlatTrainSet(Dataset):
    """All training examples of the mixture behind one index, as the Trainer's data loader wants:
    dataset d's examples are rows ``offsets[d]`` to ``offsets[d + 1]``. Rows are read on access."""

    def __init__(self, train: list[Sequence[Encoded]]):
        self.train = train
        self.offsets = [0]
        for dataset in train:
            self.offsets.append(self.offsets[-1] + len(dataset))
        self.examples = FlatExamples(self)

    def __len__(self) -> int:
        return self.offsets[-1]

    def __getitem__(self, i: int) -> dict:
        ex = self.examples[i]
        return {"input_ids": ex.input_ids, "labels": ex.labels, "index": i}

    def locate(self, i: int) -> tuple[int, int]:
        """(dataset, row within it) of flat index ``i``."""
        if not 0 <= i < len(self):
            raise IndexError(f"example {i} of {len(self)}")
        d = bisect.bisect_right(self.offsets, i) - 1
        return d, i - self.offsets[d]

    def as_arrow(self):
        """The same rows as a Hugging Face ``datasets.Dataset`` (what TRL's trainers accept), row i
        being example i, so the sampler's indices mean the same in both. Tokenised datasets are joined
        without a copy; labels and the index are added as rows are read."""
        from datasets import Dataset as ArrowDataset, concatenate_datasets

        loss_on = {getattr(d, "loss_on", None) for d in self.train}
        if self.train and len(loss_on) == 1 and None not in loss_on:  # every dataset tokenised into Arrow
            table = concatenate_datasets([d.table for d in self.train]).select_columns(["input_ids", "prompt_length"])
            return table.add_column("index", np.arange(len(table))).with_transform(_ArrowRows(loss_on.pop()))
        return ArrowDataset.from_dict({"input_ids": [ex.input_ids for ex in self.examples],
                                       "labels": [ex.labels for ex in self.examples],
                                       "index": list(range(len(self)))})

    def indices_of(self, dataset: int) -> range:
        return range(self.offsets[dataset], self.offsets[dataset + 1])


class FlatExamples(Sequence):
    """The mixture's training examples in flat order, each read when indexed."""

    def __init__(self, flat: FlatTrainSet):
        self.flat = flat

    def __len__(self) -> int:
        return len(self.flat)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        d, row = self.flat.locate(int(i))
        return self.flat.train[d][row]

    def sequence_lengths(self) -> tuple[np.ndarray, np.ndarray]:
        """(tokens, prompt tokens) of every example in flat order (see :func:`sequence_lengths`)."""
        parts = [sequence_lengths(d) for d in self.flat.train]
        return (np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64),
                np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64))


class _ArrowRows:
    """``with_transform`` of :meth:`FlatTrainSet.as_arrow`: Arrow rows to the Trainer's columns."""

    def __init__(self, loss_on: str):
        self.loss_on = loss_on

    def __call__(self, batch: dict) -> dict:
        labels = [labels_for(ids, p, self.loss_on) for ids, p in zip(batch["input_ids"], batch["prompt_length"])]
        return {"input_ids": batch["input_ids"], "labels": labels, "index": batch["index"]}


def read_mixture(config: DataConfig) -> list[tuple[str, Sequence[Example], list[Example], DatasetReport]]:
    """Load, validate and split every dataset: (name, train, held-out, report). Needs no model, so
    bad data is reported before anything expensive starts.

    A local file read before, unchanged (same path, size and modification time) with the same split
    settings, is not read again: its held-out examples, counts and the training examples' fingerprint
    come from a small record in the cache, and the training examples are read only if something needs
    them (a tokenizer that has not tokenised them yet)."""
    folder = tokenised_cache(config)
    read = []
    for index, spec in enumerate(resolve_datasets(config)):
        record = _read_record_path(folder, spec, config, index)
        if record is not None and record.is_file():
            stored = json.loads(record.read_text())
            held_ex = [Example(tuple(prompt), response) for prompt, response in stored["heldout"]]
            train_ex = StoredExamples(stored["fingerprint"], stored["train"],
                                      lambda spec=spec, index=index: _read_dataset(spec, config, index)[0])
            report = DatasetReport(loaded=stored["loaded"], overlap=stored["overlap"])
        else:
            train_ex, held_ex, report = _read_dataset(spec, config, index)
            if record is not None:  # the fingerprint goes with the examples: tokenising does not hash them again
                train_ex = StoredExamples(examples_fingerprint(train_ex), len(train_ex), examples=train_ex)
                record.parent.mkdir(parents=True, exist_ok=True)
                tmp = record.with_name(f"{record.name}.{os.getpid()}.tmp")
                tmp.write_text(json.dumps({"fingerprint": train_ex.fingerprint, "train": len(train_ex),
                                           "loaded": report.loaded, "overlap": report.overlap,
                                           "heldout": [[ex.prompt, ex.response] for ex in held_ex]}))
                tmp.replace(record)
        if report.overlap:
            warnings.warn(f"dataset {spec.name!r}: {report.overlap} of {len(held_ex)} held-out examples also "
                          "appear in its training data; held-out scores will be optimistic", stacklevel=2)
        read.append((spec.name, train_ex, held_ex, report))
    return read


def tokenised_cache(config: DataConfig) -> Path:
    """Where tokenised datasets and read records live: ``data.cache_dir``, else the cache's ``tokenised/``."""
    from hbo.cache import cache_dir

    return Path(config.cache_dir or cache_dir("tokenised")).expanduser()


def _read_dataset(spec: DatasetConfig, config: DataConfig, index: int) -> tuple[list[Example], list[Example], DatasetReport]:
    examples = load_examples(spec.path, spec.format, spec.split, spec.subset)
    if spec.heldout_path:
        train_ex, held_ex = examples, load_examples(spec.heldout_path, spec.format, spec.split, spec.subset)
    else:
        train_ex, held_ex = split_heldout(examples, config.heldout_fraction, config.heldout_max,
                                          seed=config.seed * 1000 + index)
    # a held-out file is kept whole: encoding takes the first heldout_max of its questions that fit
    if config.train_fraction < 1:
        keep = max(1, round(config.train_fraction * len(train_ex)))
        train_ex = random.Random(f"{config.seed}:{spec.name}").sample(train_ex, keep)
    # only the (few) held-out keys are kept, and only training examples with a held-out response are keyed
    held_responses = {ex.response for ex in held_ex}
    held_keys = {_key(ex) for ex in held_ex}
    seen = {key for key in (_key(ex) for ex in train_ex if ex.response in held_responses) if key in held_keys}
    return train_ex, held_ex, DatasetReport(loaded=len(examples), overlap=sum(_key(ex) in seen for ex in held_ex))


def _read_record_path(folder: Path, spec: DatasetConfig, config: DataConfig, index: int) -> Path | None:
    """Where the record of reading ``spec`` lives: keyed by the files' identity (resolved path, size,
    modification time) and every setting of the split. None for what is not a local file (hub ids,
    folders): those are read every time."""
    identity = []
    for path in (spec.path, spec.heldout_path):
        if path is None:
            identity.append(None)
            continue
        local = Path(path).expanduser()
        if not local.is_file():
            return None
        stat = local.stat()
        identity.append([str(local.resolve()), stat.st_size, stat.st_mtime_ns])
    key = json.dumps([READ_RECORD_VERSION, identity, spec.name, spec.format, config.heldout_fraction,
                      config.heldout_max, config.train_fraction, config.seed, index])
    return folder / f"read-{hashlib.sha256(key.encode()).hexdigest()[:20]}.json"


READ_RECORD_VERSION = 2  # 2: a held-out file's questions are all kept


class StoredExamples(Sequence):
    """A dataset's training examples with their count and fingerprint: in memory (``examples``), or
    read from their file by ``load`` only when indexed."""

    def __init__(self, fingerprint: str, count: int, load=None, examples: list[Example] | None = None):
        self.fingerprint, self.count, self._load, self._examples = fingerprint, count, load, examples

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i):
        if self._examples is None:
            self._examples = self._load()
            if examples_fingerprint(self._examples) != self.fingerprint:
                raise DataError("a dataset file changed while it was being read; run again")
        return self._examples[i]


def _key(ex: Example) -> str:
    return json.dumps([ex.prompt, ex.response])


def encode_mixture(read, config: DataConfig, tokenizer) -> Mixture:
    """Tokenise what :func:`read_mixture` returned."""
    names, train, heldout, reports, digests = [], [], [], {}, []
    for name, train_ex, held_ex, report in read:
        enc_train, report.truncated, report.dropped = tokenise(
            train_ex, tokenizer, config.max_length, config.loss_on, tokenised_cache(config), config.num_proc)
        held_report = DatasetReport()
        enc_held, read_count = encode_heldout(held_ex, tokenizer, config, held_report)
        digests.append(questions_digest(held_ex[:read_count]))
        report.heldout_dropped = held_report.dropped
        if not enc_train:
            raise DataError(f"dataset {name!r} has no training example that fits data.max_length={config.max_length}")
        report.train, report.heldout = len(enc_train), len(enc_held)
        names.append(name)
        train.append(enc_train)
        heldout.append(enc_held)
        reports[name] = report
    return Mixture(names, train, heldout, reports, digests)


def questions_digest(examples: list[Example]) -> str:
    """Identifies held-out questions by their texts (messages and reference answers), whatever the
    tokenizer: two runs scored on other questions, or on the same ones in another order, differ."""
    return hashlib.sha256(json.dumps([_key(ex) for ex in examples]).encode()).hexdigest()[:16]


def encode_heldout(held_ex: list[Example], tokenizer, config: DataConfig,
                   report: DatasetReport) -> tuple[list[Encoded], int]:
    """The first ``heldout_max`` held-out questions that fit ``max_length``, in file order, and how many
    of ``held_ex`` were read to find them. A question whose prompt alone is longer is counted in
    ``report.dropped`` and the next one is scored in its place, so a dataset of long questions still
    gets the number it was asked for where its file has them."""
    encoded: list[Encoded] = []
    start = 0
    while len(encoded) < config.heldout_max and start < len(held_ex):
        chunk = held_ex[start:start + config.heldout_max - len(encoded)]
        encoded += encode_examples(chunk, tokenizer, config.max_length, config.loss_on, report, with_choices=True)
        start += len(chunk)
    return encoded, start


def load_mixture(config: DataConfig, tokenizer) -> Mixture:
    """Load, split and tokenise every dataset of the mixture."""
    return encode_mixture(read_mixture(config), config, tokenizer)


def resolve_datasets(config: DataConfig) -> list[DatasetConfig]:
    if config.datasets:
        return config.datasets
    from hbo.data.builtin import builtin_mixture

    return builtin_mixture(config.mixture, heldout=config.mixture_heldout)

"""The built-in mixtures, written once into the cache folder from :mod:`hbo.data.synthetic`.

``demo`` is what ``hbo train`` runs with no arguments; ``hard`` and ``clean`` are the mixtures the
benchmark reports on; ``dev``, ``dev-clean`` and ``dev-pretrained`` are where hbo's defaults are chosen,
and ``dev-tiebreak`` decides between candidates those three find level; ``check-newtask`` checks, with
a task no default was chosen on, where hbo is said to win, ``check-manynew`` the same where most
datasets hold a task the model has not learnt, and ``check-languages`` the paper's multilingual shape:
one task in eight languages, four of them new to the model; ``check-many`` holds sixteen datasets, as a
broad instruction mixture does. ``dev-languages`` is the languages' shape's development mixture:
settings for many languages are chosen there, never on the check.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from hbo.cache import cache_dir
from hbo.config import DatasetConfig
from hbo.data.synthetic import GENERATOR_VERSION, add_noise, generate_dataset
from hbo.files import atomic_write_text


@dataclass(frozen=True)
class DemoDataset:
    task: str
    language: str | None
    size: int  # training examples (plus ``heldout`` more when it is set)
    noise: float = 0.0  # share of training examples whose answer is replaced by a random one (unlearnable)
    heldout: int = 0  # clean held-out examples written beside the training file; 0 = split by the config


MIXTURES = {
    # Sizes span 50x; three languages share the reverse task.
    "demo": {
        "reverse-en": DemoDataset("reverse", "en", 2000),
        "reverse-de": DemoDataset("reverse", "de", 400),
        "reverse-es": DemoDataset("reverse", "es", 40),
        "add": DemoDataset("add", None, 600),
    },
    # The benchmark's mixture: 6 datasets, 200x between the largest and the smallest, and a quarter of
    # add-noisy's training answers replaced by random numbers, so one dataset holds a level of
    # unlearnable examples. Every dataset has 100 clean held-out examples of its own.
    "hard": {
        "reverse-en": DemoDataset("reverse", "en", 4000, heldout=100),
        "reverse-de": DemoDataset("reverse", "de", 1000, heldout=100),
        "reverse-fr": DemoDataset("reverse", "fr", 250, heldout=100),
        "reverse-es": DemoDataset("reverse", "es", 20, heldout=100),
        "add": DemoDataset("add", None, 600, heldout=100),
        "add-noisy": DemoDataset("add", "plus", 1200, noise=0.25, heldout=100),
    },
    # The reported clean mixture: no noisy data, 60x between the largest and smallest dataset.
    "clean": {
        "reverse-en": DemoDataset("reverse", "en", 3000, heldout=100),
        "reverse-fr": DemoDataset("reverse", "fr", 500, heldout=100),
        "reverse-es": DemoDataset("reverse", "es", 50, heldout=100),
        "add": DemoDataset("add", None, 800, heldout=100),
        "add-plus": DemoDataset("add", "plus", 150, heldout=100),
    },
    # Development mixtures: hbo's defaults are chosen on these, never on the two above. Other sizes,
    # other languages, two tasks the demo model was not pretrained on (sub, sort), and one dataset
    # with 40% random answers (dev) or none (dev-clean).
    "dev": {
        "reverse-de": DemoDataset("reverse", "de", 2500, heldout=100),
        "reverse-fr": DemoDataset("reverse", "fr", 120, heldout=100),
        "add-plus": DemoDataset("add", "plus", 900, noise=0.4, heldout=100),
        "add": DemoDataset("add", None, 300, heldout=100),
        "sub": DemoDataset("sub", None, 400, heldout=100),
        "sort": DemoDataset("sort", None, 400, heldout=100),
    },
    "dev-clean": {
        "reverse-de": DemoDataset("reverse", "de", 2500, heldout=100),
        "reverse-fr": DemoDataset("reverse", "fr", 120, heldout=100),
        "add-plus": DemoDataset("add", "plus", 900, heldout=100),
        "add": DemoDataset("add", None, 300, heldout=100),
        "sub": DemoDataset("sub", None, 400, heldout=100),
        "sort": DemoDataset("sort", None, 400, heldout=100),
    },
    # Only tasks the demo model was pretrained on, so that no newly learnt task dominates the macro and
    # the trade-offs between datasets decide it: other languages and sizes than the reported mixtures,
    # and 30% random answers in the plain wording of add.
    "dev-pretrained": {
        "reverse-fr": DemoDataset("reverse", "fr", 3000, heldout=100),
        "reverse-de": DemoDataset("reverse", "de", 300, heldout=100),
        "reverse-en": DemoDataset("reverse", "en", 40, heldout=100),
        "add": DemoDataset("add", None, 1000, noise=0.3, heldout=100),
        "add-plus": DemoDataset("add", "plus", 400, heldout=100),
    },
    # A development mixture kept for breaking ties between candidate defaults that the three above
    # cannot tell apart: added after them, never used to choose anything before. Other sizes again,
    # one small new task (sort), 20% random answers in add-plus.
    "dev-tiebreak": {
        "reverse-en": DemoDataset("reverse", "en", 2000, heldout=100),
        "reverse-es": DemoDataset("reverse", "es", 200, heldout=100),
        "add": DemoDataset("add", None, 500, heldout=100),
        "add-plus": DemoDataset("add", "plus", 600, noise=0.2, heldout=100),
        "sort": DemoDataset("sort", None, 100, heldout=100),
    },
    # A check, added after every default was chosen and used to choose nothing: does hbo's win where a
    # dataset holds a task the model has not learnt carry over to a task no default was chosen with
    # (evens: keep the even digits of a list)? Other sizes and languages again, 30% random answers in
    # add's second wording.
    "check-newtask": {
        "reverse-es": DemoDataset("reverse", "es", 2500, heldout=100),
        "reverse-de": DemoDataset("reverse", "de", 250, heldout=100),
        "add": DemoDataset("add", None, 800, heldout=100),
        "add-plus": DemoDataset("add", "plus", 300, noise=0.3, heldout=100),
        "evens": DemoDataset("evens", None, 250, heldout=100),
    },
    # A second check, added after check-newtask's readings and used to choose nothing: every mixture
    # above holds one task the model has not learnt; here four of five datasets do (sub and sort, which
    # the development mixtures hold, and evens and max, which no default was chosen with), as in a
    # fine-tuning mixture of new tasks, with one known task as the largest and 20% random answers in max.
    "check-manynew": {
        "reverse-en": DemoDataset("reverse", "en", 1500, heldout=100),
        "sub": DemoDataset("sub", None, 1000, heldout=100),
        "max": DemoDataset("max", None, 500, noise=0.2, heldout=100),
        "sort": DemoDataset("sort", None, 200, heldout=100),
        "evens": DemoDataset("evens", None, 80, heldout=100),
    },
    # A third check, used to choose nothing, in the shape of the paper's multilingual setup: one task in
    # eight languages, English about half the examples, 60x between the largest and the smallest, and
    # four languages the model was not pretrained on (a new instruction and vocabulary for a known task).
    # No random answers.
    "check-languages": {
        "reverse-en": DemoDataset("reverse", "en", 3000, heldout=100),
        "reverse-de": DemoDataset("reverse", "de", 900, heldout=100),
        "reverse-it": DemoDataset("reverse", "it", 600, heldout=100),
        "reverse-fr": DemoDataset("reverse", "fr", 500, heldout=100),
        "reverse-pt": DemoDataset("reverse", "pt", 300, heldout=100),
        "reverse-es": DemoDataset("reverse", "es", 200, heldout=100),
        "reverse-nl": DemoDataset("reverse", "nl", 120, heldout=100),
        "reverse-sv": DemoDataset("reverse", "sv", 50, heldout=100),
    },
    # A fourth check, used to choose nothing, added when hbo's cost was measured at 16 datasets: as many
    # datasets as a broad instruction mixture has, where each one's probe is a smaller share of the
    # mixture's and the probe's pass costs the most. Eight languages of reverse (four new to the model),
    # add in two wordings, the four tasks the model has not learnt, and two noisy copies (30% and 20%
    # random answers); 25x between the largest and the smallest.
    "check-many": {
        "reverse-en": DemoDataset("reverse", "en", 2000, heldout=100),
        "add": DemoDataset("add", None, 1000, heldout=100),
        "reverse-de": DemoDataset("reverse", "de", 800, heldout=100),
        "reverse-fr": DemoDataset("reverse", "fr", 600, heldout=100),
        "sub": DemoDataset("sub", None, 500, heldout=100),
        "reverse-es": DemoDataset("reverse", "es", 400, heldout=100),
        "add-noisy": DemoDataset("add", None, 400, noise=0.3, heldout=100),
        "reverse-it": DemoDataset("reverse", "it", 300, heldout=100),
        "add-plus": DemoDataset("add", "plus", 300, heldout=100),
        "reverse-de-noisy": DemoDataset("reverse", "de", 300, noise=0.2, heldout=100),
        "sort": DemoDataset("sort", None, 250, heldout=100),
        "reverse-pt": DemoDataset("reverse", "pt", 200, heldout=100),
        "max": DemoDataset("max", None, 200, heldout=100),
        "reverse-nl": DemoDataset("reverse", "nl", 150, heldout=100),
        "evens": DemoDataset("evens", None, 150, heldout=100),
        "reverse-sv": DemoDataset("reverse", "sv", 80, heldout=100),
    },
    # check-languages' development mixture, added after its readings: the same eight languages in other
    # sizes (English half the examples, 62x between the largest and the smallest) and at other places in
    # the list, so that no language's examples come from the stream that wrote the check's questions.
    "dev-languages": {
        "reverse-pt": DemoDataset("reverse", "pt", 40, heldout=100),
        "reverse-en": DemoDataset("reverse", "en", 2500, heldout=100),
        "reverse-sv": DemoDataset("reverse", "sv", 100, heldout=100),
        "reverse-de": DemoDataset("reverse", "de", 600, heldout=100),
        "reverse-es": DemoDataset("reverse", "es", 250, heldout=100),
        "reverse-fr": DemoDataset("reverse", "fr", 1000, heldout=100),
        "reverse-it": DemoDataset("reverse", "it", 150, heldout=100),
        "reverse-nl": DemoDataset("reverse", "nl", 400, heldout=100),
    },
}


def write_jsonl(path: Path, records: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in records))


def builtin_mixture(name: str, root: Path | None = None, heldout: int | None = None) -> list[DatasetConfig]:
    """Write the named mixture's JSONL files (once) and return dataset configs pointing at them.

    ``heldout`` asks for more held-out examples per dataset than the mixture's own. They are generated
    after its training examples from the same stream, so the training examples and the first held-out
    examples are the ones written without it: results on those questions stay comparable."""
    if name not in MIXTURES:
        raise ValueError(f"unknown built-in mixture {name!r}; choose one of {', '.join(MIXTURES)}")
    if heldout is not None:
        own = {spec.heldout for spec in MIXTURES[name].values()}
        if own == {0}:
            raise ValueError(f"built-in mixture {name!r} splits its held-out examples by data.heldout_fraction; "
                             "data.mixture_heldout is for the mixtures with their own held-out questions")
        if heldout < max(own):
            raise ValueError(f"built-in mixture {name!r} has {max(own)} held-out examples per dataset; "
                             f"data.mixture_heldout must be at least that, got {heldout} (data.heldout_max scores fewer)")
    # The folder name carries a digest of the mixture's definition and of the generator's version, so
    # files written by an older definition are never reused.
    definition = f"{GENERATOR_VERSION} {MIXTURES[name]}" + (f" heldout={heldout}" if heldout else "")
    digest = hashlib.sha1(definition.encode()).hexdigest()[:8]
    folder = (root or cache_dir("mixtures")) / f"{name}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    specs = []
    for index, (dataset, spec) in enumerate(MIXTURES[name].items()):
        path, heldout_path = folder / f"{dataset}.jsonl", folder / f"{dataset}.heldout.jsonl"
        if not path.exists() or (spec.heldout and not heldout_path.exists()):
            extra = heldout - spec.heldout if heldout else 0
            records = generate_dataset(spec.task, spec.language, spec.size + spec.heldout + extra, seed=1000 + index)
            end = spec.heldout + spec.size
            heldout_records, train = records[:spec.heldout] + records[end:], records[spec.heldout:end]
            if spec.noise:
                add_noise(train, spec.noise, random.Random(2000 + index))
            if spec.heldout:
                write_jsonl(heldout_path, heldout_records)
            write_jsonl(path, train)
        specs.append(DatasetConfig(name=dataset, path=str(path), format="chat",
                                   heldout_path=str(heldout_path) if spec.heldout else None))
    return specs

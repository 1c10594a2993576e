"""The built-in demo mixture, generated deterministically (no download).

Two task families with answers checkable by exact match:
- ``reverse``: reverse a list of words, in several surface languages (their own instructions and
  word lists), so what is learned in one language transfers to the others. Difficulty = list length.
- ``add``: add two integers ("What is a + b?", or "Compute a plus b." as language "plus").
  Difficulty = the operands' digit counts.
Each record carries its designed ``difficulty`` (1 = easiest) so the levels a base model finds can be
checked against it.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

from hbo.config import DatasetConfig
from hbo.files import atomic_write_text

LANGUAGES = {
    "en": ("Reverse the words:", "red blue green black white cat dog fish bird horse apple bread milk "
           "rice salt tree leaf stone river hill sun moon star rain".split()),
    "de": ("Kehre die Woerter um:", "rot blau gruen schwarz weiss katze hund fisch vogel pferd apfel brot "
           "milch reis salz baum blatt stein fluss berg sonne mond stern regen".split()),
    "es": ("Invierte las palabras:", "rojo azul verde negro blanco gato perro pez pajaro caballo manzana pan "
           "leche arroz sal arbol hoja piedra rio colina sol luna estrella lluvia".split()),
    "fr": ("Inverse les mots:", "rouge bleu vert noir blanc chat chien poisson oiseau cheval pomme pain "
           "lait riz sel arbre feuille pierre riviere colline soleil lune etoile pluie".split()),
}
MAX_DIFFICULTY = {"reverse": 6, "add": 4}
GENERATOR_VERSION = 2  # bump when a change to this module changes the records it writes


def make_example(task: str, language: str | None, difficulty: int, rng: random.Random) -> dict:
    """One chat record of ``task`` at ``difficulty`` (1 = easiest)."""
    if task == "reverse":
        instruction, words = LANGUAGES[language]
        items = [rng.choice(words) for _ in range(difficulty + 1)]
        prompt, answer = f"{instruction} {' '.join(items)}", " ".join(reversed(items))
    elif task == "add":
        digits_a, digits_b = [(1, 1), (2, 1), (2, 2), (3, 2)][difficulty - 1]
        a, b = _number(digits_a, rng), _number(digits_b, rng)
        # language "plus" is a second wording of the same task (the benchmark's noisy dataset)
        prompt = f"Compute {a} plus {b}." if language == "plus" else f"What is {a} + {b}?"
        answer = str(a + b)
    else:
        raise ValueError(f"unknown demo task {task!r}")
    return {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}],
            "difficulty": difficulty}


def _number(digits: int, rng: random.Random) -> int:
    return rng.randint(0 if digits == 1 else 10 ** (digits - 1), 10 ** digits - 1)


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
}


def generate_dataset(task: str, language: str | None, size: int, seed: int) -> list[dict]:
    """``size`` distinct records with difficulties spread evenly over the task's range.

    Records are distinct so that a held-out split never repeats a training example; a difficulty
    with fewer distinct examples than its share (two one-digit numbers allow only 100 sums) hands
    the rest of its share to the next difficulty.
    """
    rng = random.Random(seed)
    top = MAX_DIFFICULTY[task]
    records, seen = [], set()
    for i in range(size):
        difficulty = 1 + i % top
        for _ in range(top):
            for _attempt in range(200):
                record = make_example(task, language, difficulty, rng)
                key = record["messages"][0]["content"]
                if key not in seen:
                    break
            else:
                difficulty = 1 + difficulty % top
                continue
            break
        else:
            raise ValueError(f"cannot generate {size} distinct {task} examples")
        seen.add(key)
        records.append(record)
    return records


def add_noise(records: list[dict], share: float, rng: random.Random) -> None:
    """Replace the answer of a ``share`` of the records (chosen at random) by a random number of the
    same length, and mark them ``"noisy": true``."""
    for i in rng.sample(range(len(records)), round(share * len(records))):
        answer = records[i]["messages"][-1]["content"]
        wrong = answer
        while wrong == answer:
            wrong = str(_number(len(answer), rng))
        records[i]["messages"][-1]["content"] = wrong
        records[i]["noisy"] = True


def write_jsonl(path: Path, records: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in records))


def cache_root() -> Path:
    return Path(os.environ.get("HBO_CACHE", "~/.cache/hbo")).expanduser()


def builtin_mixture(name: str, root: Path | None = None) -> list[DatasetConfig]:
    """Write the named mixture's JSONL files (once) and return dataset configs pointing at them."""
    if name not in MIXTURES:
        raise ValueError(f"unknown built-in mixture {name!r}; choose one of {', '.join(MIXTURES)}")
    # The folder name carries a digest of the mixture's definition and of the generator's version, so
    # files written by an older definition are never reused.
    digest = hashlib.sha1(f"{GENERATOR_VERSION} {MIXTURES[name]}".encode()).hexdigest()[:8]
    folder = (root or cache_root() / "mixtures") / f"{name}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    specs = []
    for index, (dataset, spec) in enumerate(MIXTURES[name].items()):
        path, heldout_path = folder / f"{dataset}.jsonl", folder / f"{dataset}.heldout.jsonl"
        if not path.exists() or (spec.heldout and not heldout_path.exists()):
            records = generate_dataset(spec.task, spec.language, spec.size + spec.heldout, seed=1000 + index)
            heldout, train = records[:spec.heldout], records[spec.heldout:]
            if spec.noise:
                add_noise(train, spec.noise, random.Random(2000 + index))
            if spec.heldout:
                write_jsonl(heldout_path, heldout)
            write_jsonl(path, train)
        specs.append(DatasetConfig(name=dataset, path=str(path), format="chat",
                                   heldout_path=str(heldout_path) if spec.heldout else None))
    return specs

"""The built-in demo mixture, generated deterministically (no download).

Two task families with answers checkable by exact match:
- ``reverse``: reverse a list of words, in several surface languages (their own instructions and
  word lists), so what is learned in one language transfers to the others. Difficulty = list length.
- ``add``: add two integers. Difficulty = the operands' digit counts.
Each record carries its designed ``difficulty`` (1 = easiest) so the levels a base model finds can be
checked against it.
"""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

from hbo.config import DatasetConfig

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


def make_example(task: str, language: str | None, difficulty: int, rng: random.Random) -> dict:
    """One chat record of ``task`` at ``difficulty`` (1 = easiest)."""
    if task == "reverse":
        instruction, words = LANGUAGES[language]
        items = [rng.choice(words) for _ in range(difficulty + 1)]
        prompt, answer = f"{instruction} {' '.join(items)}", " ".join(reversed(items))
    elif task == "add":
        digits_a, digits_b = [(1, 1), (2, 1), (2, 2), (3, 2)][difficulty - 1]
        a, b = _number(digits_a, rng), _number(digits_b, rng)
        prompt, answer = f"What is {a} + {b}?", str(a + b)
    else:
        raise ValueError(f"unknown demo task {task!r}")
    return {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}],
            "difficulty": difficulty}


def _number(digits: int, rng: random.Random) -> int:
    return rng.randint(0 if digits == 1 else 10 ** (digits - 1), 10 ** digits - 1)


# name -> (task, language, size); sizes span 50x, three languages share the reverse task.
MIXTURES = {
    "demo": {
        "reverse-en": ("reverse", "en", 2000),
        "reverse-de": ("reverse", "de", 400),
        "reverse-es": ("reverse", "es", 40),
        "add": ("add", None, 600),
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


def cache_root() -> Path:
    return Path(os.environ.get("HBO_CACHE", "~/.cache/hbo")).expanduser()


def builtin_mixture(name: str, root: Path | None = None) -> list[DatasetConfig]:
    """Write the named mixture's JSONL files (once) and return dataset configs pointing at them."""
    if name not in MIXTURES:
        raise ValueError(f"unknown built-in mixture {name!r}; choose one of {', '.join(MIXTURES)}")
    folder = (root or cache_root() / "mixtures") / name
    folder.mkdir(parents=True, exist_ok=True)
    specs = []
    for index, (dataset, (task, language, size)) in enumerate(MIXTURES[name].items()):
        path = folder / f"{dataset}.jsonl"
        if not path.exists():
            records = generate_dataset(task, language, size, seed=1000 + index)
            tmp = path.with_suffix(".tmp")
            tmp.write_text("".join(json.dumps(r) + "\n" for r in records))
            tmp.replace(path)
        specs.append(DatasetConfig(name=dataset, path=str(path), format="chat"))
    return specs

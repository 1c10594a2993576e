"""Synthetic tasks for the built-in mixtures, generated deterministically (no download).

Task families with answers checkable by exact match:
- ``reverse``: reverse a list of words, in several surface languages (their own instructions and
  word lists), so what is learned in one language transfers to the others. Difficulty = list length.
  The demo model was pretrained on four of them (``PRETRAINED_LANGUAGES``); ``it``, ``pt``, ``nl`` and
  ``sv`` were added later, for a check mixture, as languages it has not seen.
- ``add``: add two integers ("What is a + b?", or "Compute a plus b." as language "plus").
  Difficulty = the operands' digit counts.
- ``sub`` and ``sort`` (subtract two integers; sort a list of numbers): tasks the demo model was not
  pretrained on, used by the development mixtures that choose hbo's defaults, so that those are not
  chosen on the tasks of the mixtures we report on.
- ``evens`` and ``max`` (keep the even digits of a list; name its largest digit): tasks the demo model
  was not pretrained on either, added after hbo's defaults were chosen, for the check mixtures.
  Difficulty = the list's length.
Each record carries its designed ``difficulty`` (1 = easiest) so the levels a base model finds can be
checked against it.
"""
from __future__ import annotations

import random

LANGUAGES = {
    "en": ("Reverse the words:", "red blue green black white cat dog fish bird horse apple bread milk "
           "rice salt tree leaf stone river hill sun moon star rain".split()),
    "de": ("Kehre die Woerter um:", "rot blau gruen schwarz weiss katze hund fisch vogel pferd apfel brot "
           "milch reis salz baum blatt stein fluss berg sonne mond stern regen".split()),
    "es": ("Invierte las palabras:", "rojo azul verde negro blanco gato perro pez pajaro caballo manzana pan "
           "leche arroz sal arbol hoja piedra rio colina sol luna estrella lluvia".split()),
    "fr": ("Inverse les mots:", "rouge bleu vert noir blanc chat chien poisson oiseau cheval pomme pain "
           "lait riz sel arbre feuille pierre riviere colline soleil lune etoile pluie".split()),
    # Not in the demo model's pretraining: the check mixture of eight languages, added after its defaults
    # were chosen, holds these as languages the model has not seen.
    "it": ("Inverti le parole:", "rosso blu verde nero bianco gatto cane pesce uccello cavallo mela pane "
           "latte riso sale albero foglia pietra fiume collina sole luna stella pioggia".split()),
    "pt": ("Inverta as palavras:", "vermelho azul verde preto branco gato cachorro peixe passaro cavalo maca "
           "pao leite arroz sal arvore folha pedra rio morro sol lua estrela chuva".split()),
    "nl": ("Keer de woorden om:", "rood blauw groen zwart wit kat hond vis vogel paard appel brood melk rijst "
           "zout boom blad steen rivier heuvel zon maan ster regen".split()),
    "sv": ("Vand pa orden:", "rod bla gron svart vit katt hund fisk fagel hast apple brod mjolk ris salt "
           "trad lov sten flod kulle sol mane stjarna regn".split()),
}
# The languages the demo model was pretrained on (scripts/build_demo_model.py); the rest are new to it.
PRETRAINED_LANGUAGES = ("en", "de", "es", "fr")
MAX_DIFFICULTY = {"reverse": 6, "add": 4, "sub": 4, "sort": 4, "evens": 4, "max": 4}
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
    elif task == "sub":
        digits_a, digits_b = [(1, 1), (2, 1), (2, 2), (3, 2)][difficulty - 1]
        a, b = sorted((_number(digits_a, rng), _number(digits_b, rng)), reverse=True)
        prompt, answer = f"Subtract: {a} - {b} =", str(a - b)
    elif task == "sort":
        items = [rng.randint(0, 9) for _ in range(difficulty + 1)]
        prompt, answer = f"Sort ascending: {' '.join(map(str, items))}", " ".join(map(str, sorted(items)))
    elif task == "evens":  # not in the demo model's pretraining; added after its defaults were chosen
        items = [rng.randint(0, 9) for _ in range(difficulty + 2)]
        items[rng.randrange(len(items))] = rng.choice(range(0, 10, 2))  # at least one to keep
        prompt = f"Keep the even digits: {' '.join(map(str, items))}"
        answer = " ".join(str(x) for x in items if x % 2 == 0)
    elif task == "max":  # not in the demo model's pretraining; added after its defaults were chosen
        items = [rng.randint(0, 9) for _ in range(difficulty + 2)]
        prompt, answer = f"Largest digit: {' '.join(map(str, items))}", str(max(items))
    else:
        raise ValueError(f"unknown demo task {task!r}")
    return {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}],
            "difficulty": difficulty}


def _number(digits: int, rng: random.Random) -> int:
    return rng.randint(0 if digits == 1 else 10 ** (digits - 1), 10 ** digits - 1)


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

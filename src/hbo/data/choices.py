"""Multiple-choice questions: find the lettered options of a prompt and spell out every option the way
the reference answer spells the right one.

Scoring a question the way lm-evaluation-harness does needs one continuation per option: the
log-likelihood of each, given the question, picks the model's choice. Exam and QA sets write their
answers in many shapes (``B``, ``[B]``, ``(b)``, ``c) 15 ppm``, ``the correct answer is (D)``), so the
candidates are the reference itself with its letter (and, where it quotes it, its option text)
swapped for each other option's; a reference that is one option's text alone makes the options'
texts the candidates (the cloze form small models are usually scored in). A question whose options
or answer we cannot read is not multiple choice, and is scored by exact or numeric match instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# An option marker: "A." "A)" "(A)" "[A]" then whitespace; at the start of a line, or anywhere after whitespace.
_LINE_MARKER = re.compile(r"^[ \t]*[(\[]?([A-Za-z])[.)\]](?=\s)", re.MULTILINE)
_MARKER = re.compile(r"(?:^|(?<=\s))[(\[]?([A-Za-z])[.)\]](?=\s)", re.MULTILINE)
# A reference that is only a letter, maybe bracketed: "B", "[B]", "(b)", "B."
_BARE = re.compile(r"^([(\[]?)([A-Za-z])([)\]]?\.?)$")
# A reference that ends by naming the letter: "... the correct answer is (D)"
_NAMED = re.compile(r"^(.*\b(?:answer|choice|option) is:? [(\[]?)([A-Za-z])([)\]]?\.?)$", re.IGNORECASE | re.DOTALL)
# A reference that quotes the option line: "c) 15 ppm", "B. Paris"
_QUOTED = re.compile(r"^([(\[]?)([A-Za-z])([.)\]])\s+(.+)$", re.DOTALL)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question's candidate answers, one per option, and the index of the right one.
    ``texts`` are the options' own texts, without their letters, where every option has one (None
    otherwise): scoring them asks what the model knows rather than which letter it prefers."""
    candidates: tuple[str, ...]
    answer: int
    texts: tuple[str, ...] | None = None


def options(prompt: str) -> list[tuple[str, str]]:
    """The question's options as (letter, text): the last run of markers A, B, C, ... (one case), at
    least two long. Markers that open lines are tried first, so "A. 4 A." reads as one option; a stray
    "A." inside the question starts a run that the real options replace."""
    return _options(prompt, _LINE_MARKER) or _options(prompt, _MARKER)


def _options(prompt: str, marker: re.Pattern) -> list[tuple[str, str]]:
    runs: list[list[re.Match]] = []
    for m in marker.finditer(prompt):
        letter = m.group(1)
        if letter in "Aa":
            runs.append([m])
        elif runs and letter == chr(ord(runs[-1][-1].group(1)) + 1):
            runs[-1].append(m)
    runs = [r for r in runs if len(r) >= 2]
    if not runs:
        return []
    run = runs[-1]
    found = []
    for i, m in enumerate(run):
        end = run[i + 1].start() if i + 1 < len(run) else len(prompt)
        text = prompt[m.end():end].strip().split("\n")[0].strip()
        found.append((m.group(1), text))
    return found


def multiple_choice(prompt: str, reference: str) -> Choice | None:
    """The candidates for ``reference``'s question, or None when it is not a multiple-choice answer."""
    opts = options(prompt)
    letters = [letter for letter, _ in opts]
    texts = tuple(text for _, text in opts) if all(text for _, text in opts) else None
    reference = reference.strip()
    for pattern in (_BARE, _NAMED):
        m = pattern.match(reference)
        if m and m.group(2) in letters:
            before, after = m.group(1), m.group(3)
            return Choice(tuple(before + letter + after for letter in letters), letters.index(m.group(2)), texts)
    m = _QUOTED.match(reference)
    if m and m.group(2) in letters:
        if _same(dict(opts)[m.group(2)], m.group(4)):
            before, after = m.group(1), m.group(3)
            return Choice(tuple(f"{before}{letter}{after} {text}" for letter, text in opts), letters.index(m.group(2)),
                          texts)
    if texts is not None:  # the answer is one option's text alone: the options are scored by their texts (cloze)
        named = [i for i, text in enumerate(texts) if _same(text, reference)]
        if len(named) == 1:
            return Choice(texts, named[0], texts)
    return None


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def final_numbers(text: str) -> list[float]:
    """The numbers of an answer, thousands separators ignored; after "####" only when it has one
    (the GSM8K convention for the final answer after the working)."""
    if "####" in text:
        text = text.rsplit("####", 1)[1]
    return [float(x) for x in _NUMBER.findall(_THOUSANDS.sub("", text))]


def numeric_match(answer: str, reference: str) -> bool:
    """True when the answer ends with the reference's numbers (the final answer after any working)."""
    wanted = final_numbers(reference)
    got = final_numbers(answer)
    return bool(wanted) and got[-len(wanted):] == wanted

"""`hbo data prepare` on a stand-in for the evals wheel (no network): cleaning, counting, splitting."""
import json
import zipfile

import pytest

from hbo.cli import main
from hbo.config import load_config
from hbo.data.formats import DataError
from hbo.data.mixture import read_mixture
from hbo.data.prepare import LANGUAGES, REGISTRY, heldout_size, prepare


def row(question: str, answer, system: bool = True) -> str:
    messages = ([{"role": "system", "content": "Answer with a letter."}] if system else []) + \
        [{"role": "user", "content": question}]
    return json.dumps({"input": messages, "ideal": answer})


@pytest.fixture
def wheel(tmp_path):
    path = tmp_path / "evals-3.0.1.post1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for language in LANGUAGES:
            rows = [row(f"{language} question {i}?\nA. x\nB. y", "AB"[i % 2]) for i in range(300)]
            if language == "french":
                rows += [
                    json.dumps({"input": [{"role": "system", "content": "no question"}], "ideal": "A"}),  # no user turn
                    row("unanswered?", ""),  # no answer
                    row("french question 0?\nA. x\nB. y", "A"),  # duplicate of the first row
                    "{not json",
                    row("a list of answers?", ["B", "b"]),  # the first one is kept
                    "",
                ]
            z.writestr(f"{REGISTRY}{language}-exams-qa/samples.jsonl", "\n".join(rows) + "\n")
    return path


def test_heldout_is_at_least_a_fifth_and_a_hundred_but_never_over_half():
    assert [heldout_size(n) for n in (10, 235, 500, 1955)] == [5, 100, 100, 391]


def test_prepare_cleans_counts_and_splits(wheel, tmp_path):
    out = tmp_path / "ml"
    reports = {r.name: r for r in prepare("multilingual", out, wheel)}
    assert list(reports) == list(LANGUAGES)
    french = reports["french"]
    assert french.dropped == {"no user turn": 1, "no answer": 1, "duplicate": 1, "malformed JSON": 1}
    assert (french.train, french.heldout) == (201, 100)  # 301 kept
    assert (reports["german"].train, reports["german"].heldout) == (200, 100)
    train = [json.loads(line) for line in (out / "french" / "train.jsonl").read_text().splitlines()]
    held = [json.loads(line) for line in (out / "french" / "heldout.jsonl").read_text().splitlines()]
    assert not {json.dumps(r["messages"]) for r in train} & {json.dumps(r["messages"]) for r in held}
    every = train + held
    assert all(r["messages"][-1]["role"] == "assistant" for r in every)
    assert any(r["messages"][-1]["content"] == "B" and "list of answers" in r["messages"][-2]["content"] for r in every)
    # the mixture config is ready for hbo train: every dataset reads, nothing held out twice
    config = load_config(str(out / "mixture.yaml"), [])
    read = read_mixture(config.data)
    assert [(name, len(tr), len(he), rep.overlap) for name, tr, he, rep in read][:2] == [
        ("arabic", 200, 100, 0), ("french", 201, 100, 0)]


def test_same_seed_same_split_other_seed_other_split(wheel, tmp_path):
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        prepare("multilingual", tmp_path / name, wheel, seed=seed)
    text = {name: (tmp_path / name / "polish" / "heldout.jsonl").read_text() for name in "abc"}
    assert text["a"] == text["b"] and text["a"] != text["c"]


def test_cli_and_errors(wheel, tmp_path, capsys):
    assert main(["data", "prepare", "multilingual", "--out", str(tmp_path / "cli"), "--wheel", str(wheel)]) == 0
    shown = capsys.readouterr().out
    assert "french" in shown and "1 duplicate" in shown and "hbo train --config" in shown
    with pytest.raises(DataError, match="no evals/registry/data/logiqa/logiqa.jsonl"):
        prepare("multitask", tmp_path / "mt", wheel)
    with pytest.raises(DataError, match="unknown setup"):
        prepare("klingon", tmp_path / "x", wheel)

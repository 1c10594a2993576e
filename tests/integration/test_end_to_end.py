"""One tiny `hbo train` run through the CLI, and every bad input of the CLI with its one-line error."""
import json
import subprocess
import sys

import pytest

from hbo.cli import main
from tests.helpers.docs import DOCS, first_cell_names

TINY = ["training.max_steps=12", "sampling.update_interval=4", "sampling.actor_lr=0.05",
        "data.heldout_max=8", "eval.max_new_tokens=6", "--no-progress"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["train", "--output-dir", str(out)] + TINY) == 0
    return out


def test_writes_every_output(run_dir):
    for name in ("config.yaml", "probabilities.jsonl", "eval.json", "probabilities.png"):
        assert (run_dir / name).stat().st_size > 0, name
    assert (run_dir / "model" / "config.json").is_file()
    assert (run_dir / "model" / "tokenizer.json").is_file()


def test_probability_log(run_dir):
    records = [json.loads(line) for line in (run_dir / "probabilities.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [0, 4, 8, 12]
    first, last = records[0], records[-1]
    names = ["reverse-en", "reverse-de", "reverse-es", "add"]
    assert list(first["global"]) == names and first["global_reward"] is None
    # proportional prior on training sizes (2000, 400, 40, 600 minus 8, 8, 4, 8 held out), with the
    # default floor of 1e-4 per dataset mixed in
    prior = 1992 / (1992 + 392 + 36 + 592)
    assert first["global"]["reverse-en"] == pytest.approx((1 - 4e-4) * prior + 1e-4)
    for rec in records[1:]:
        assert sum(rec["global"].values()) == pytest.approx(1.0)
        assert set(rec["global_reward"]) == set(names)
        assert all(sum(levels.values()) == pytest.approx(1.0) for levels in rec["local"].values())
        # exactly the examples of the 4 steps since the previous record, prefetched ones excluded
        assert sum(n for levels in rec["counts"].values() for n in levels.values()) == 4 * 16
    # the actors learn: in 12 steps no dataset's held-out fall clears the noise threshold, so the
    # global actor stays at the prior, while levels inside a dataset do move apart
    moved = [abs(last["global"][n] - first["global"][n]) for n in names]
    moved += [abs(p - q) for n in names for p, q in zip(last["local"][n].values(), first["local"][n].values())]
    assert max(moved) > 0.01


def test_eval_json(run_dir):
    results = json.loads((run_dir / "eval.json").read_text())
    for when in ("before", "after"):
        assert set(results[when]) == {"reverse-en", "reverse-de", "reverse-es", "add", "macro"}
        for metrics in results[when].values():
            assert set(metrics) >= {"loss", "perplexity", "exact_match"}
    assert 0 <= results["after"]["macro"]["exact_match"] <= 100
    # the demo's held-out questions have no options: a gain over the model before training only
    assert set(results["gains"]) == {"before"} and results["after"]["macro"]["constant_letter"] is None
    before, after = (results[when]["macro"]["accuracy"] for when in ("before", "after"))
    gain = results["gains"]["before"]
    assert gain["delta_macro"] == pytest.approx(after - before) and gain["ci95"][0] <= gain["delta_macro"] <= gain["ci95"][1]


def documented_keys(section: str) -> set[str]:
    """The keys named in the first cells of a table in docs/outputs.md, under the heading ``section``."""
    doc = (DOCS / "outputs.md").read_text()
    return first_cell_names(doc.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0])  # up to the next heading


def test_outputs_doc_names_every_field_a_run_writes(run_dir):
    """docs/outputs.md is written by hand: a field the run files gain must get its row there."""
    records = [json.loads(line) for line in (run_dir / "probabilities.jsonl").read_text().splitlines()]
    assert set().union(*records) <= documented_keys("`probabilities.jsonl`")
    results = json.loads((run_dir / "eval.json").read_text())
    per_dataset = set().union(*(metrics for when in ("before", "after")
                                for name, metrics in results[when].items() if name != "macro"))
    assert per_dataset <= documented_keys("`eval.json`")


def test_plot_command(run_dir):
    (run_dir / "probabilities.png").unlink()
    assert main(["plot", str(run_dir)]) == 0
    assert (run_dir / "probabilities.png").stat().st_size > 0


def test_online_rewards_run(tmp_path):
    """reward_source: train: the rewards come from the training steps, no extra passes."""
    out = tmp_path / "online"
    assert main(["train", "--output-dir", str(out), "sampling.reward_source=train", "sampling.global_reward=gradient-norm", "sampling.online_norm_steps=2",
                 "eval.before=false"] + TINY) == 0
    records = [json.loads(line) for line in (out / "probabilities.jsonl").read_text().splitlines()]
    for rec in records[1:]:
        assert all(r > 0 for r in rec["global_reward"].values())  # every dataset has a (possibly carried) reward
    assert records[-1]["global"] != records[0]["global"]


def hbo(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "hbo.cli", *args], capture_output=True, text=True, cwd=cwd)


def write_config(tmp_path, dataset_file, extra=""):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data:\n  datasets:\n    - {{name: a, path: {dataset_file}}}\n{extra}")
    return cfg


@pytest.mark.parametrize("content,message", [
    ('{"prompt": "q", "completion": "a"}\n{"prompt": "q", "completion": "a"\n', r"d.jsonl:2: malformed JSON"),
    ('{"prompt": "q", "completion": "a"}\n{"prompt": "q"}\n', r"d.jsonl:2: cannot tell the format"),
    ("", r"d.jsonl: the dataset is empty"),
])
def test_bad_data_one_error_line(tmp_path, content, message):
    (tmp_path / "d.jsonl").write_text(content)
    result = hbo("train", "--config", str(write_config(tmp_path, tmp_path / "d.jsonl")))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hbo: error:"), result.stderr
    assert __import__("re").search(message, lines[0])


def test_unknown_format_unknown_key_unknown_model(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"prompt": "q", "completion": "a"}\n')
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data:\n  datasets:\n    - {{name: a, path: {tmp_path / 'd.jsonl'}, format: xml}}\n")
    r = hbo("train", "--config", str(cfg))
    # caught with the config, before any data is read, naming the key and the choices
    assert r.returncode == 2 and "data.datasets[0].format must be one of auto, chat, alpaca, prompt_completion; got 'xml'" in r.stderr
    r = hbo("train", "sampling.update_intervl=3")
    assert r.returncode == 2 and "unknown config key sampling.update_intervl" in r.stderr
    r = hbo("train", f"model.name_or_path={tmp_path / 'no-model'}")
    assert r.returncode == 2 and "no such model folder" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_truncated_examples_are_counted(tmp_path, demo):
    from hbo.data.formats import Example
    from hbo.data.encoding import DatasetReport, encode_examples

    _, tokenizer = demo
    report = DatasetReport()
    examples = [Example(({"role": "user", "content": "hi"},), "word " * 50),
                Example(({"role": "user", "content": "x " * 100},), "a"),
                Example(({"role": "user", "content": "hi"},), "ok")]
    encoded = encode_examples(examples, tokenizer, max_length=20, loss_on="response", report=report)
    assert (report.truncated, report.dropped, len(encoded)) == (1, 1, 2)
    assert all(len(e.input_ids) <= 20 for e in encoded)


def test_heldout_examples_too_long_to_evaluate_are_counted(tmp_path, demo):
    from hbo.config import DataConfig, DatasetConfig
    from hbo.data.mixture import load_mixture

    _, tokenizer = demo
    rows = [{"prompt": "hi", "completion": "ok"}] * 3
    held = [{"prompt": "x " * 100, "completion": "a"}, {"prompt": "hey", "completion": "yes"}]
    for name, data in (("train", rows), ("held", held)):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in data))
    config = DataConfig(datasets=[DatasetConfig(name="a", path=str(tmp_path / "train.jsonl"),
                                                heldout_path=str(tmp_path / "held.jsonl"))], max_length=20)
    mixture = load_mixture(config, tokenizer)
    assert (mixture.reports["a"].heldout, mixture.reports["a"].heldout_dropped) == (1, 1)


def test_heldout_max_counts_the_questions_that_fit(tmp_path, demo):
    """A question too long to score gives its place to the next one in the file: heldout_max questions are
    scored where the file has that many that fit."""
    from hbo.config import DataConfig, DatasetConfig
    from hbo.data.mixture import load_mixture

    _, tokenizer = demo
    (tmp_path / "train.jsonl").write_text(json.dumps({"prompt": "hi", "completion": "ok"}) + "\n")
    held = [{"prompt": "x " * 100, "completion": "a"}] + [{"prompt": f"q{i}", "completion": str(i)} for i in range(4)]
    (tmp_path / "held.jsonl").write_text("".join(json.dumps(r) + "\n" for r in held))
    config = DataConfig(datasets=[DatasetConfig(name="a", path=str(tmp_path / "train.jsonl"),
                                                heldout_path=str(tmp_path / "held.jsonl"))],
                        max_length=20, heldout_max=3, cache_dir=str(tmp_path / "cache"))
    mixture = load_mixture(config, tokenizer)
    assert (mixture.reports["a"].heldout, mixture.reports["a"].heldout_dropped) == (3, 1)
    assert [e.reference for e in mixture.heldout[0]] == ["0", "1", "2"]  # file order, the long one skipped
    again = load_mixture(config, tokenizer)  # from the read record this time: the same questions
    assert [e.reference for e in again.heldout[0]] == ["0", "1", "2"]


def test_heldout_digest_follows_the_questions_texts_not_the_tokenizer(tmp_path, demo):
    """Each dataset's held-out digest covers the questions read to fill heldout_max (in order): the
    same file gives the same digest, another question or order another, and the training data none."""
    from hbo.config import DataConfig, DatasetConfig
    from hbo.data.mixture import load_mixture

    _, tokenizer = demo

    def digest(held, train=({"prompt": "hi", "completion": "ok"},), heldout_max=2):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        for name, data in (("train", train), ("held", held)):
            (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in data))
        config = DataConfig(datasets=[DatasetConfig(name="a", path=str(folder / "train.jsonl"),
                                                    heldout_path=str(folder / "held.jsonl"))],
                            heldout_max=heldout_max, cache_dir=str(folder / "cache"))
        [value] = load_mixture(config, tokenizer).heldout_digests
        return value

    held = [{"prompt": f"q{i}", "completion": str(i)} for i in range(3)]
    first = digest(held)
    assert digest(held) == first and digest(held, train=[{"prompt": "yo", "completion": "no"}]) == first
    assert digest(held[:2] + [{"prompt": "other", "completion": "2"}]) == first  # the third is never read
    assert digest([held[1], held[0], held[2]]) != first
    assert digest([held[0], {"prompt": "q1", "completion": "one"}, held[2]]) != first
    assert digest(held, heldout_max=3) != first

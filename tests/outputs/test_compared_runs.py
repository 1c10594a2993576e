import json

import pytest
import yaml

from hbo.cli import main
from hbo.errors import DataError
from hbo.outputs.compared_runs import compare_runs, format_comparison

CONFIG = {"data": {"mixture": "demo", "heldout_max": 4, "seed": 0, "train_fraction": 1.0},
          "eval": {"max_new_tokens": 6, "before": True}, "sampling": {"seed": 0}, "training": {"seed": 0}}


def write_run(folder, correct: dict, answers: dict | None = None, digests: dict | None = None, **config_changes):
    """A finished run's eval.json (only what hbo compare reads) and config.yaml."""
    folder.mkdir(parents=True)
    after = {name: {"correct": c, "exact": c, **({"answers": answers[name]} if answers else {}),
                    **({"questions_digest": digests[name]} if digests else {})}
             for name, c in correct.items()}
    after["macro"] = {}
    (folder / "eval.json").write_text(json.dumps({"before": None, "after": after}))
    config = json.loads(json.dumps(CONFIG))
    for key, value in config_changes.items():
        section, name = key.split("__")
        config[section][name] = value
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return str(folder)


def test_two_pairs_by_hand(tmp_path):
    a = [write_run(tmp_path / "a0", {"x": [1, 1, 0, 0], "y": [1, 1]}),
         write_run(tmp_path / "a1", {"x": [1, 1, 1, 0], "y": [1, 0]}, sampling__seed=1, training__seed=1)]
    b = [write_run(tmp_path / "b0", {"x": [1, 0, 0, 0], "y": [0, 1]}),
         write_run(tmp_path / "b1", {"x": [1, 1, 0, 0], "y": [0, 0]}, sampling__seed=1, training__seed=1)]
    result = compare_runs(a, b)
    # x: A 50, 75 -> 62.5; B 25, 50 -> 37.5. y: A 100, 50 -> 75; B 50, 0 -> 25. macro A 68.75, B 31.25
    assert result["datasets"]["x"]["a"] == pytest.approx(62.5) and result["datasets"]["x"]["b"] == pytest.approx(37.5)
    assert result["datasets"]["x"]["delta"] == pytest.approx(25.0) and result["datasets"]["x"]["questions"] == 4
    assert result["datasets"]["y"]["delta"] == pytest.approx(50.0)
    assert result["macro"]["a"] == pytest.approx(68.75) and result["macro"]["b"] == pytest.approx(31.25)
    assert result["macro"]["delta_macro"] == pytest.approx(37.5)
    low, high = result["macro"]["ci95"]
    assert 0 <= low <= 37.5 <= high  # A never answers a question worse than B
    assert result["seeds"][1] == [{"sampling": 1, "training": 1}] * 2
    text = format_comparison(result)
    assert text.splitlines()[-1].startswith("macro") and "+37.5 [" in text and "different seeds" not in text
    # the other way round: the same difference, negated
    assert compare_runs(b, a)["macro"]["delta_macro"] == pytest.approx(-37.5)


def test_questions_a_metric_does_not_score_are_left_out(tmp_path):
    a = write_run(tmp_path / "a", {"x": [1, None, 1]})
    b = write_run(tmp_path / "b", {"x": [0, None, 1]})
    result = compare_runs([a], [b], metric="exact_match")
    assert result["datasets"]["x"]["questions"] == 2 and result["macro"]["delta_macro"] == pytest.approx(50.0)
    assert "one run a side" in format_comparison(result)


def test_runs_scored_on_other_questions_are_refused(tmp_path):
    a = write_run(tmp_path / "a", {"x": [1, 0]})
    with pytest.raises(DataError, match="data.heldout_max differ"):
        compare_runs([a], [write_run(tmp_path / "b", {"x": [1, 0]}, data__heldout_max=8)])
    with pytest.raises(DataError, match="eval.max_new_tokens differ"):
        compare_runs([a], [write_run(tmp_path / "c", {"x": [1, 0]}, eval__max_new_tokens=4)])
    with pytest.raises(DataError, match="same datasets"):
        compare_runs([a], [write_run(tmp_path / "d", {"z": [1, 0]})])
    with pytest.raises(DataError, match="different right options"):
        compare_runs([write_run(tmp_path / "e", {"x": [1, 0]}, {"x": [0, 1]})],
                     [write_run(tmp_path / "f", {"x": [1, 0]}, {"x": [1, 1]})])
    with pytest.raises(DataError, match="in the order given"):
        compare_runs([a], [])
    with pytest.raises(DataError, match="more than once"):
        compare_runs([a], [a])
    # the same settings, other questions' texts (a data file written anew): refused by their digests;
    # a run from before eval.json recorded them is checked by its settings alone
    with pytest.raises(DataError, match="other held-out questions .* for x"):
        compare_runs([write_run(tmp_path / "h", {"x": [1, 0]}, digests={"x": "abc"})],
                     [write_run(tmp_path / "i", {"x": [1, 0]}, digests={"x": "abd"})])
    assert compare_runs([write_run(tmp_path / "j", {"x": [1, 0]}, digests={"x": "abc"})],
                        [a])["macro"]["delta_macro"] == pytest.approx(0.0)
    # what does not change the questions may differ: a share of the training data, the seeds
    other = write_run(tmp_path / "g", {"x": [0, 0]}, data__train_fraction=0.5, sampling__seed=3)
    result = compare_runs([a], [other])
    assert result["macro"]["delta_macro"] == pytest.approx(50.0)
    assert "1 pair(s) ran with different seeds" in format_comparison(result)


def test_command_line(tmp_path, capsys):
    a = write_run(tmp_path / "a", {"x": [1, 1, 0, 1]})
    b = write_run(tmp_path / "b", {"x": [1, 0, 0, 1]})
    assert main(["compare", a, "--against", b, "--json", str(tmp_path / "c.json")]) == 0
    out = capsys.readouterr().out
    assert "macro" in out and "+25.0" in out
    saved = json.loads((tmp_path / "c.json").read_text())
    assert saved["macro"]["delta_macro"] == pytest.approx(25.0) and saved["a"] == [a] and saved["b"] == [b]
    assert main(["compare", a, "--against", str(tmp_path / "missing")]) == 2
    assert "missing/eval.json: no such file" in capsys.readouterr().err


def test_only_per_question_metrics_can_be_compared():
    from hbo.outputs.comparison import compare_evaluations

    run = {"x": {"correct": [1], "exact": [1]}, "macro": {}}
    with pytest.raises(ValueError, match="metric must be one of"):
        compare_evaluations([run], [run], metric="loss")
    with pytest.raises(ValueError, match="no 'calibrated_correct' per question"):
        compare_evaluations([run], [run], metric="calibrated_accuracy")

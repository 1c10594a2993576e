"""A strategy that never reads difficulty (static mixing, and the dataset-level baselines) starts
training without the base model's scoring pass, with one level per dataset."""
import json

import pytest

import hbo.training.setup as setup
from hbo.config import load_config
from hbo.recipe import train


def test_a_static_strategy_trains_without_scoring(tmp_path, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        pytest.fail("proportional sampling scored the mixture")

    monkeypatch.setattr(setup, "load_or_score", refuse)
    config = load_config(None, ["sampling.strategy=proportional", "training.max_steps=4", "sampling.update_interval=2",
                                "eval.before=false", "data.heldout_max=4", "eval.max_new_tokens=2",
                                f"output_dir={tmp_path}"])
    train(config, progress=False)
    assert "difficulty scores (ifd): not needed by proportional" in capsys.readouterr().out
    records = [json.loads(line) for line in (tmp_path / "probabilities.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [0, 2, 4]
    assert all(levels == {"0": 1.0} for r in records for levels in r["local"].values())
    assert sum(sum(c.values()) for c in records[-1]["counts"].values()) == 2 * 16  # two steps of 16 examples


def test_fixed_shares_hold_for_the_whole_run_and_hbo_shares_reads_them_back(tmp_path, monkeypatch, capsys):
    """The shares `hbo shares` prints for a run are the ones a fixed run given them holds."""
    from hbo.cli import main

    monkeypatch.setattr(setup, "load_or_score", lambda *a, **k: pytest.fail("a fixed mix scored the mixture"))
    shares = "{reverse-en: 4, reverse-de: 2, reverse-es: 1, add: 1}"
    config = load_config(None, ["sampling.strategy=fixed", f"sampling.shares={shares}", "training.max_steps=4",
                                "sampling.update_interval=2", "eval.before=false", "data.heldout_max=4",
                                "eval.max_new_tokens=2", f"output_dir={tmp_path}"])
    train(config, progress=False)
    records = [json.loads(line) for line in (tmp_path / "probabilities.jsonl").read_text().splitlines()]
    held = {"reverse-en": 0.5, "reverse-de": 0.25, "reverse-es": 0.125, "add": 0.125}
    assert [r["step"] for r in records] == [0, 2, 4]
    assert all(r["global"] == pytest.approx(held, abs=1e-3) for r in records)  # the sampler floor moves them by 1e-4
    assert main(["shares", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "reverse-de  0.2500" in out
    line = out.splitlines()[-1].strip()  # the overrides, as a shell would split them
    strategy, quoted = line.split(" ", 1)
    again = load_config(None, [strategy, quoted.strip("'")]).sampling
    assert again.strategy == "fixed" and again.shares == pytest.approx(held, abs=1e-3)


def test_shares_naming_other_datasets_stop_before_the_model_loads(tmp_path, monkeypatch):
    import hbo.recipe as recipe
    from hbo.errors import ConfigError

    monkeypatch.setattr(recipe, "load_model", lambda *a, **k: pytest.fail("the model loaded"))
    config = load_config(None, ["sampling.strategy=fixed", "sampling.shares={reverse-en: 1, add: 1, sort: 1}",
                                f"output_dir={tmp_path}"])
    with pytest.raises(ConfigError, match="missing reverse-de, reverse-es; no dataset named sort"):
        train(config, progress=False)

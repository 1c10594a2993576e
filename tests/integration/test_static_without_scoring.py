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


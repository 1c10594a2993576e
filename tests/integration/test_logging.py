"""hbo's updates reach the Trainer's loggers: with ``report_to: [tensorboard]`` the event file, and with
``[wandb]`` (offline) the run file, hold the mixture's probabilities, rewards, probe losses and counts at
each update step, equal to probabilities.jsonl, the held-out reward's scores behind the rewards included."""
import json

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from hbo.config import load_config
from hbo.recipe import train
from tests.helpers import wandb_offline


def test_tensorboard_event_file_holds_every_update(tmp_path):
    config = load_config(None, ["training.max_steps=20", "sampling.update_interval=10", "eval.before=false",
                                "data.heldout_max=4", "eval.max_new_tokens=4", f"output_dir={tmp_path}",
                                "training.extra.report_to=[tensorboard]"])
    train(config, progress=False)
    [events] = list((tmp_path / "trainer" / "runs").rglob("events.out.tfevents*"))
    accumulator = EventAccumulator(str(events.parent))
    accumulator.Reload()
    tags = set(accumulator.Tags()["scalars"])
    records = [json.loads(line) for line in (tmp_path / "probabilities.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [0, 10, 20]
    for record in records[1:]:
        for dataset, p in record["global"].items():
            assert _at(accumulator, f"hbo/global/{dataset}", record["step"]) == pytest.approx(p, rel=1e-6)
            assert _at(accumulator, f"hbo/examples/{dataset}", record["step"]) == sum(record["counts"][dataset].values())
            for level, q in record["local"][dataset].items():
                assert _at(accumulator, f"hbo/local/{dataset}/{level}", record["step"]) == pytest.approx(q, rel=1e-6)
        for dataset, r in record["global_reward"].items():
            assert _at(accumulator, f"hbo/global_reward/{dataset}", record["step"]) == pytest.approx(r, rel=1e-6)
        # the scores behind them (the default's held-out reward: each probe fall past its noise band)
        assert record["global_score"].keys() == record["global"].keys()
        for dataset, score in record["global_score"].items():
            assert _at(accumulator, f"hbo/global_score/{dataset}", record["step"]) == pytest.approx(score, rel=1e-6)
        # the default's held-out rewards: each dataset's development-probe loss, logged beside them
        for dataset, loss in record["probe_loss"].items():
            assert 0 < loss < 20
            assert _at(accumulator, f"hbo/probe_loss/{dataset}", record["step"]) == pytest.approx(loss, rel=1e-6)
    assert records[0]["probe_loss"].keys() == records[0]["global"].keys()  # the base model's, at step 0
    assert records[0]["global_score"] is None  # the priors: nothing scored yet
    assert any(t.startswith("train/hbo/local_reward/") for t in tags)
    # each dataset's training loss over the examples trained on since the previous log
    for record in records[1:]:
        for dataset, counts in record["counts"].items():
            if sum(counts.values()):
                assert 0 < _at(accumulator, f"hbo/train_loss/{dataset}", record["step"]) < 10
    assert "train/loss" in tags  # the Trainer's own scalars are still there
    # epoch: passes over the mixture's training examples, growing with the examples drawn; the
    # Trainer's own would read 1.0 at the last step (step / max_steps)
    epochs = {step: {e.value for e in accumulator.Scalars("train/epoch") if e.step == step} for step in (10, 20)}
    [at_10], [at_20] = epochs[10], epochs[20]  # the last step logs twice (loss, then run totals): same epoch
    assert at_20 == pytest.approx(2 * at_10) and 0 < at_20 < 1


def test_wandb_offline_run_holds_every_update(tmp_path, monkeypatch):
    for variable in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR", "WANDB_ARTIFACT_DIR"):
        monkeypatch.setenv(variable, str(tmp_path / "wandb-files"))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    wandb = pytest.importorskip("wandb", reason="the W&B logger needs wandb: pip install -e '.[dev]'")

    config = load_config(None, ["training.max_steps=20", "sampling.update_interval=10", "eval.before=false",
                                "data.heldout_max=4", "eval.max_new_tokens=4", f"output_dir={tmp_path / 'run'}",
                                "training.extra.report_to=[wandb]"])
    try:
        train(config, progress=False)
    finally:
        wandb.finish()
    [run_file] = list((tmp_path / "wandb-files").rglob("run-*.wandb"))
    logged = {row["train/global_step"]: row for row in wandb_offline.history(run_file) if "train/hbo/examples/add" in row}
    records = [json.loads(line) for line in (tmp_path / "run" / "probabilities.jsonl").read_text().splitlines()]
    assert sorted(logged) == [r["step"] for r in records[1:]] == [10, 20]
    for record in records[1:]:
        row = logged[record["step"]]
        for dataset, p in record["global"].items():
            assert row[f"train/hbo/global/{dataset}"] == pytest.approx(p, rel=1e-6)
            assert row[f"train/hbo/examples/{dataset}"] == sum(record["counts"][dataset].values())
            for level, q in record["local"][dataset].items():
                assert row[f"train/hbo/local/{dataset}/{level}"] == pytest.approx(q, rel=1e-6)


def _at(accumulator, tag: str, step: int) -> float:
    """The Trainer's TensorBoard callback files every training log under ``train/``."""
    [value] = [e.value for e in accumulator.Scalars(f"train/{tag}") if e.step == step]
    return value

"""hbo inside TRL's SFTTrainer and with a LoRA adapter (PEFT): the batches are the sampler's, the
actors move, a LoRA run resumes exactly, and packing is refused."""
import json
import shutil

import pytest

from hbo.config import load_config
from hbo.errors import ConfigError
from hbo.recipe import train
from tests.helpers.gpu import DETERMINISTIC

SHORT = ["training.max_steps=20", "sampling.update_interval=10", "eval.before=false", "data.heldout_max=4",
         "eval.max_new_tokens=4", "sampling.log_samples=true", "sampling.log_every_process=true"]


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def run(tmp_path, *overrides, resume=None):
    return train(load_config(None, [*SHORT, f"output_dir={tmp_path}", *overrides]), progress=False, resume=resume)


def check_follows_the_sampler(out):
    """Every micro-batch trained on is what the sampler drew, in order; the actors moved. (An update
    at which no level's probe fall clears the noise band leaves the local actors where they were, so
    only the last is checked: in 20 steps of the full model at warm-up's learning rate the first
    update may see no clear fall.)"""
    trained = [i for batch in read(out / "ranks" / "batches-0.jsonl") for i in batch["ids"]]
    drawn = [i for record in read(out / "samples.jsonl") for i in record["ids"]]
    assert trained == drawn and len(trained) == 20 * 16
    records = read(out / "probabilities.jsonl")
    assert [r["step"] for r in records] == [0, 10, 20]
    assert records[-1]["global"] != records[0]["global"]
    assert records[-1]["local"] != records[0]["local"]


@pytest.mark.parametrize("lora", [False, True], ids=["full", "lora"])
def test_sft_trainer_draws_from_the_sampler(tmp_path, lora):
    run(tmp_path, "training.trainer=sft", *(["model.lora={r: 4}", "training.learning_rate=1e-3"] if lora else []))
    check_follows_the_sampler(tmp_path)
    assert (tmp_path / "model" / "adapter_config.json").is_file() == lora


def test_lora_run_resumes_exactly(tmp_path):
    """Checkpoint at step 8 of 12 (S = 4); a crash right after it, then --resume: same bytes."""
    args = ["model.lora={r: 4}", "training.max_steps=12", "sampling.update_interval=4", "training.learning_rate=1e-3",
            "training.save_strategy=steps", "training.extra.save_steps=4", *DETERMINISTIC]
    run(tmp_path / "a", *args)
    shutil.copytree(tmp_path / "a", tmp_path / "b", ignore=shutil.ignore_patterns("checkpoint-12", "eval.json", "model"))
    for name in ("probabilities.jsonl", "samples.jsonl"):
        kept = [r for r in read(tmp_path / "b" / name) if r["step"] <= 8]
        (tmp_path / "b" / name).write_text("".join(json.dumps(r) + "\n" for r in kept))
    run(tmp_path / "b", *args, resume=str(tmp_path / "b" / "trainer" / "checkpoint-8"))
    for name in ("probabilities.jsonl", "samples.jsonl"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes(), name


def test_packing_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="packing"):
        run(tmp_path, "training.trainer=sft", "training.extra.packing=true")

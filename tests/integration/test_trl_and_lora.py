"""hbo inside TRL's SFTTrainer and with a LoRA adapter (PEFT): the batches are the sampler's, the
actors move, a LoRA run resumes exactly, and packing is refused."""
import json
import shutil
import warnings

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



def test_losses_read_off_trls_steps_need_no_second_forward(tmp_path):
    """Rewards read off the training steps need each example's loss. TRL's SFTTrainer computes its loss
    through a fused LM head, and asked for the forward's outputs it builds the logits with a second
    forward (and warns); hbo reads the per-token log-probabilities of the loss's own forward instead."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(tmp_path, "training.trainer=sft", "sampling.global_reward=progress", "sampling.reward_source=train",
            "training.max_steps=8", "sampling.update_interval=4")
    assert not [w for w in caught if "return_outputs" in str(w.message)]
    records = read(tmp_path / "probabilities.jsonl")
    assert [r["step"] for r in records] == [0, 4, 8]
    assert records[-1]["global"] != records[0]["global"]  # the progress reward read losses and moved the mixture


def test_online_gradient_norms_under_trls_fused_head_are_refused_and_offline_ones_run(tmp_path):
    """The per-example gradient-norm hooks need the output layer called as a module, which TRL's fused
    LM head never does: refused before training, naming the setting that works."""
    gradient_norm = ["training.trainer=sft", "sampling.global_reward=gradient-norm", "training.max_steps=8",
                     "sampling.update_interval=4"]
    with pytest.raises(ConfigError, match="sampling.reward_source=offline"):
        run(tmp_path / "train", *gradient_norm, "training.extra.gradient_checkpointing=false")
    run(tmp_path / "offline", *gradient_norm, "sampling.reward_source=offline")
    records = read(tmp_path / "offline" / "probabilities.jsonl")
    assert records[-1]["global"] != records[0]["global"]
    # the Trainer's own loss calls the output layer, but checkpointing would run every forward twice
    with pytest.raises(ConfigError, match="gradient checkpointing"):
        run(tmp_path / "checkpointing", *gradient_norm[1:], "sampling.reward_source=train",
            "training.extra.gradient_checkpointing=true")

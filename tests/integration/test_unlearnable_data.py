"""A dataset whose answers are half random can never be learned. The paper's gradient-norm reward
is largest on it, so its share grows; hbo's default reward should not chase it, and does (a known
failure, kept as a strict expected failure)."""
import json
import random

import pytest

from hbo.config import load_config
from hbo.data.builtin import write_jsonl
from hbo.data.synthetic import add_noise, generate_dataset
from hbo.recipe import train


@pytest.fixture(scope="module")
def two_datasets(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unlearnable")
    clean = generate_dataset("add", None, 300, seed=1)
    noisy = generate_dataset("add", "plus", 300, seed=2)
    add_noise(noisy, 0.5, random.Random(3))
    write_jsonl(folder / "clean.jsonl", clean)
    write_jsonl(folder / "noisy.jsonl", noisy)
    return folder


def noisy_share(folder, tmp_path, overrides) -> tuple[float, float]:
    """The noisy dataset's global probability at the start and after the last update."""
    datasets = f"[{{name: clean, path: {folder / 'clean.jsonl'}}}, {{name: noisy, path: {folder / 'noisy.jsonl'}}}]"
    config = load_config(None, [f"data.datasets={datasets}", "training.max_steps=100", "sampling.update_interval=20",
                                "eval.before=false", "data.heldout_max=4", "eval.max_new_tokens=4",
                                f"output_dir={tmp_path}", *overrides])
    train(config, progress=False)
    records = [json.loads(line) for line in (tmp_path / "probabilities.jsonl").read_text().splitlines()]
    assert len(records) == 6  # the prior, then five updates
    return records[0]["global"]["noisy"], records[-1]["global"]["noisy"]


def test_the_gradient_norm_reward_moves_toward_random_answers(two_datasets, tmp_path):
    start, end = noisy_share(two_datasets, tmp_path, ["preset=paper", "sampling.update_interval=20",
                                                      "sampling.actor_lr=1e-3"])
    assert end > start + 0.02


@pytest.mark.xfail(strict=True, reason="measured: the default progress reward moves the noisy share from 0.50 to "
                   "0.80 in five updates: early on, the loss of random answers falls fastest (the model learns "
                   "their digits' form) and reads as progress. Strict: this starts failing when it is fixed.")
def test_the_default_reward_does_not(two_datasets, tmp_path):
    start, end = noisy_share(two_datasets, tmp_path, [])
    assert end <= start

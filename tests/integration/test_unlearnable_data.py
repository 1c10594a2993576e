"""A dataset whose answers are half random can never be fully learned. The paper's gradient-norm
reward is largest on it, so its share grows. hbo's default reward is meant not to chase it; measured
over 96 seeds it chases it less than the probe's loss did, but not on every seed (the strict expected
failure below says by how much; ``python benchmarks/unlearnable.py`` runs this setting on as many seeds
as asked).

The two datasets are the same task in the same wording, so the noise is the only difference between
them. When the noisy dataset is also the only one in its wording, there is something real to learn
from it early on (the wording), and the learnability rewards move toward it at first: that case is
kept below as a strict expected failure, so the record says what the default does there."""
import json
import random

import pytest

from hbo.config import load_config
from hbo.data.builtin import write_jsonl
from hbo.data.synthetic import add_noise, generate_dataset
from hbo.recipe import train


# The held-out rewards on the probe's loss, as a share of it: the default before wrong_mass and
# absolute, under which the options below were measured.
LOSS_FALLS = ["sampling.heldout_measure=loss", "sampling.heldout_fall=total"]


def write_two(folder, clean_wording):
    clean = generate_dataset("add", clean_wording, 300, seed=1)
    noisy = generate_dataset("add", "plus", 300, seed=2)
    add_noise(noisy, 0.5, random.Random(3))
    write_jsonl(folder / "clean.jsonl", clean)
    write_jsonl(folder / "noisy.jsonl", noisy)
    return folder


@pytest.fixture(scope="module")
def two_datasets(tmp_path_factory):
    """Addition in the "plus" wording twice: one clean, one with half its answers random."""
    return write_two(tmp_path_factory.mktemp("unlearnable"), "plus")


@pytest.fixture(scope="module")
def two_wordings(tmp_path_factory):
    """The clean dataset in the wording the demo model was pretrained on, the noisy one in another."""
    return write_two(tmp_path_factory.mktemp("unlearnable-wordings"), None)


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


def test_transfer_against_each_probes_best_fitted_half_moves_away_from_random_answers(two_datasets, tmp_path):
    """An option, not the default: ``transfer`` credits a dataset with the held-out fall its gradient
    buys every probe, and with ``transfer_probe: small_loss`` each probe is the half of its examples
    with the smallest loss now, which leaves the random answers out. Measured over seeds 0-15 of this
    setting (``python benchmarks/unlearnable.py sampling.global_reward=transfer
    sampling.transfer_probe=small_loss sampling.alignment_samples_per_level=2 --seeds ...``): the
    noisy share ends above its start on 4 of 16, mean 0.35 (docs/benchmark-log.md, "Crediting what a dataset
    teaches the learnable half of every probe")."""
    start, end = noisy_share(two_datasets, tmp_path, ["sampling.global_reward=transfer",
                                                      "sampling.transfer_probe=small_loss",
                                                      "sampling.alignment_samples_per_level=2"])
    assert end < start


def test_held_out_falls_credited_to_the_data_that_caused_them_move_away_from_random_answers(two_datasets, tmp_path):
    """An option, not the default: ``heldout_credit: attributed`` hands each probe's fall to the datasets
    whose training lowered it (first-order contributions against each probe's best-fitted half), so the
    clean copy, whose data teaches both probes the task, is credited with the noisy probe's fall too.
    Measured over seeds 0-15 of this setting (``python benchmarks/unlearnable.py
    sampling.heldout_credit=attributed sampling.alignment_samples_per_level=2 --seeds ...``): the noisy
    share ends above its start on 3 of 16, mean 0.39 (docs/benchmark-log.md, "Held-out falls credited to
    the data that caused them"); over seeds 0-47 on 15 of 48, mean 0.42 [0.37, 0.47], against the
    default's 32 of 48, 0.54 [0.49, 0.59] ("The unlearnable check on 48 seeds"): away from the noise on
    average, not on every seed; this test runs the config's seed 0, on which it ends at 0.25. All of
    it on the probe's loss (``LOSS_FALLS``, the default then); on the default's wrong mass it ends
    seed 0 at 0.60."""
    start, end = noisy_share(two_datasets, tmp_path, ["sampling.heldout_credit=attributed",
                                                      "sampling.alignment_samples_per_level=2", *LOSS_FALLS])
    assert end < start


@pytest.mark.xfail(strict=True, reason="measured: since 2026-12-07 the default draws from the mean of the global "
                   "actor's distributions (global_draw average), which ends this test's seed 0 at 0.64 (the mean "
                   "of a climb; over 82 seeds, 0-40 and 48-88, at 0.483 on average, above its start on 36, level "
                   "with the actor's draws on the same seeds, paired +0.008 [-0.020, +0.036]); with global_draw "
                   "actor, the draws of wrong_mass and absolute before, "
                   "over seeds 0-3 of this setting the noisy share ended at 0.79, 0.67, 0.77, 0.18; over seeds "
                   "0-95 at 0.48 on average against 0.55 under the probe's loss (the default before), paired "
                   "-0.067 [-0.117, -0.018]: less of a chase on average, not none, and this test's seed 0 ends "
                   "above its start under both (the loss: seeds 0-3 at 0.53, 0.71, 0.69, 0.62; the gradient-norm "
                   "reward above: 0.58, 0.59, 0.57, 0.57). Early on the noisy probe's answers hedge over the random "
                   "digits while the clean one's are learnt, and a chance fall in the noisy probe picks an early "
                   "lead that the reward's average holds. Strict: this starts failing when it changes.")
def test_the_default_reward_does_not(two_datasets, tmp_path):
    start, end = noisy_share(two_datasets, tmp_path, [])
    assert end < start


@pytest.mark.xfail(strict=True, reason="measured: when the noisy dataset is the only one in a new wording, the "
                   "default draws it at 0.68 after five updates, up from 0.50 (global_draw actor, before "
                   "2026-12-07: 0.83; the probe's loss, the default before that: about 0.83 too): its held-out "
                   "probe falls fastest while the wording is learnt, and the "
                   "clean dataset's (pretrained) barely moves. Strict: this starts failing when it changes.")
def test_the_default_reward_when_the_noisy_dataset_is_also_the_only_one_in_its_wording(two_wordings, tmp_path):
    start, end = noisy_share(two_wordings, tmp_path, [])
    assert end <= start

"""Gradients summed by group from one hooked backward (hbo.measure.hooked_group_gradients), as the
training signals record them (hbo.measure.signals), checked against one plain backward per example."""
import pytest
import torch
from torch import nn

from hbo.measure.examples import pad, reference_dots, token_losses
from hbo.measure.hooked_group_gradients import GroupGradientHooks
from hbo.measure.signals import TrainingSignals
from hbo.measure.trailing_blocks import trailing_block_parameters
from tests.measure.test_hooked_norms import PAD, sequences, tiny_llama

GROUPS = [0, 1, 0, 2, 1, 0, 1]  # of sequences(): row 3, group 2's only row, has no scored token


def summed_one_at_a_time(model, seqs, groups, num_groups, params):
    """The definition: per group, the sum of its examples' gradients of their own mean response loss."""
    sums = [torch.zeros((num_groups, *p.shape)) for p in params]
    for (ids, labels), group in zip(seqs, groups):
        total, count = token_losses(model(input_ids=torch.tensor([ids])).logits, torch.tensor([labels]))
        if int(count) == 0 or group < 0:
            continue
        for acc, g in zip(sums, torch.autograd.grad(total[0] / count[0], params, allow_unused=True)):
            if g is not None:
                acc[group] += g
    return sums


def recorded(model, seqs, groups, num_groups, params=None, scale=1.0):
    """A Trainer-style step (mean token loss over the batch, scaled, backward into .grad) recorded by
    the signals, as the step before an update is."""
    signals = TrainingSignals(model, gradient_norms=False, dataset_gradients=(torch.tensor(groups), num_groups, params))
    input_ids, mask, labels = pad(seqs, PAD, "cpu")
    with signals.step(torch.arange(len(seqs)), gradient_norms=False, dataset_gradients=True):
        outputs = model(input_ids=input_ids, attention_mask=mask, labels=labels)
        signals.loss_computed(outputs.loss, outputs.logits, labels)
        (outputs.loss * scale).backward()
    model.zero_grad(set_to_none=True)
    return signals


def assert_sums_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a.shape == e.shape
        torch.testing.assert_close(a, e, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("scale", [1.0, 0.25])
def test_recorded_dataset_gradients_equal_one_backward_per_example(tied, scale):
    """Linear layers, the embedding (tied to the output layer or not) and the RMS norms: each group's
    sum is exact, whatever factor the loss was scaled by (gradient accumulation); the example without
    a scored token adds nothing and is not counted."""
    model = tiny_llama(tie_word_embeddings=tied)
    seqs = sequences(seed=3)
    params = [p for p in model.parameters() if p.requires_grad]
    expected = summed_one_at_a_time(model, seqs, GROUPS, 3, params)
    signals = recorded(model, seqs, GROUPS, 3, scale=scale)
    sums, rows = signals.dataset_gradients()
    assert rows == len(seqs) - 1
    assert float(expected[0][2].abs().sum()) == 0  # group 2 trained only on the unscored example
    assert_sums_equal(sums, expected)
    signals.clear()
    sums, rows = signals.dataset_gradients()
    assert rows == 0 and all(float(s.abs().sum()) == 0 for s in sums)


def test_dataset_gradients_of_the_last_blocks_and_rows_left_out():
    """Over the last block's parameters only (``gradient_blocks``), with a row in no group (-1)."""
    model = tiny_llama(tie_word_embeddings=False)
    seqs = sequences(seed=4)
    params = trailing_block_parameters(model, 1)
    groups = [0, -1, 1, 1, 0, -1, 0]
    signals = recorded(model, seqs, groups, 2, params)
    assert_sums_equal(signals.dataset_gradients()[0], summed_one_at_a_time(model, seqs, groups, 2, params))


def test_biases_and_layer_norms_are_summed_too():
    """A model with biased linear layers and a LayerNorm with a bias."""
    torch.manual_seed(0)

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(50, 16, padding_idx=PAD)
            self.mix = nn.Linear(16, 16)
            self.norm = nn.LayerNorm(16)
            self.head = nn.Linear(16, 50)

        def forward(self, input_ids, attention_mask=None, labels=None):
            logits = self.head(self.norm(torch.tanh(self.mix(self.embed(input_ids)))))
            loss = None
            if labels is not None:
                totals, counts = token_losses(logits, labels)
                loss = totals.sum() / counts.sum()
            return type("Out", (), {"logits": logits, "loss": loss})()

    model = Tiny()
    seqs = sequences(seed=5)
    params = list(model.parameters())
    signals = recorded(model, seqs, GROUPS, 3)
    assert_sums_equal(signals.dataset_gradients()[0], summed_one_at_a_time(model, seqs, GROUPS, 3, params))


def test_layers_without_a_rule_are_refused():
    model = nn.Sequential(nn.Embedding(10, 4), nn.Conv1d(4, 4, 1))
    hooks = GroupGradientHooks(model)
    assert not hooks.supported and hooks.unsupported == ["1.weight", "1.bias"]
    with pytest.raises(ValueError, match="do not cover: 1.weight, 1.bias"):
        TrainingSignals(model, gradient_norms=False, dataset_gradients=(torch.zeros(3, dtype=torch.long), 1, None))
    with pytest.raises(ValueError, match="1.weight"), hooks.recording(torch.zeros(1), lambda: torch.ones(1), 1):
        pass


def test_reference_dots_are_those_of_the_references_mean_gradients():
    """reference_dots(vectors, references)[g, j] = <vectors[g], mean gradient of reference j>."""
    from hbo.measure.examples import mean_gradient, preserved_state

    model = tiny_llama()
    seqs = sequences(seed=6)
    params = [p for p in model.parameters() if p.requires_grad]
    torch.manual_seed(1)
    vectors = [torch.randn((2, *p.shape)) for p in params]
    references = [seqs[:3], seqs[4:]]
    dots = reference_dots(model, vectors, references, PAD)
    with preserved_state(model):
        grads = [mean_gradient(model, r, PAD) for r in references]
    expected = torch.tensor([[sum(float((v[g] * h).sum()) for v, h in zip(vectors, grad)) for grad in grads]
                             for g in range(2)], dtype=torch.float64)
    torch.testing.assert_close(dots, expected, rtol=1e-4, atol=1e-6)
    assert reference_dots(model, vectors, [], PAD).shape == (2, 0)


def test_the_trainers_update_step_records_its_gradients_by_dataset(demo, tmp_path):
    """Through the Hugging Face Trainer's own training_step (its loss, num_items_in_batch, .grad): the
    step before no update records nothing, the update step its examples' gradients summed by dataset,
    as one backward per example gives them."""
    from transformers import DataCollatorForSeq2Seq, TrainingArguments

    from hbo.config import DataConfig, SamplingConfig
    from hbo.core.sampler import HierarchicalSampler
    from hbo.data.mixture import load_mixture
    from hbo.measure.examples import conditional_sequence
    from hbo.strategies.hbo import HBOStrategy
    from hbo.training.controller import MixtureController
    from hbo.training.trainer import MixtureTrainer

    model, tokenizer = demo
    train_set = load_mixture(DataConfig(mixture="demo"), tokenizer).flat()
    datasets = len(train_set.offsets) - 1
    levels = [[list(range(train_set.offsets[d], train_set.offsets[d + 1]))] for d in range(datasets)]
    indices = [o + k for o in train_set.offsets[:-1] for k in (20, 27)][:-1]  # two of every dataset, the last one
    strategy = HBOStrategy(levels, SamplingConfig(heldout_credit="attributed", credit_gradients="trained",
                                                  probe_average=None), torch.zeros(len(train_set)),
                           torch.zeros(len(train_set)))
    assert not strategy.reads_training_signals and strategy.reads_training_gradients
    controller = MixtureController(strategy, HierarchicalSampler(strategy.training_levels, num_samples=1), 2,
                                   len(indices))
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=len(indices),
                             report_to="none", remove_unused_columns=False, ignore_data_skip=True, use_cpu=True)
    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    trainer = MixtureTrainer(model=model, args=args, train_dataset=train_set, data_collator=collator,
                             controller=controller)
    signals = controller.signals
    batch = collator([train_set[i] for i in indices])
    num_items = (batch["labels"][:, 1:] != -100).sum()
    try:
        for step in (0, 1):  # optimiser steps 1 (no update: nothing recorded) and 2 (an update)
            trainer.state.global_step = step
            trainer.training_step(model, dict(batch), num_items_in_batch=num_items)
            if step == 0:
                assert signals.group_hooks.sums is None and signals.indices == []
    finally:
        model.zero_grad(set_to_none=True)
        model.eval()
    sums, rows = signals.dataset_gradients()
    assert rows == len(indices)
    params = signals.group_hooks.params
    assert len(params) == len([p for p in model.parameters() if p.requires_grad])
    seqs = [conditional_sequence(train_set.examples[i]) for i in indices]
    groups = [int(controller.strategy.dataset_of[i]) for i in indices]
    assert sorted(set(groups)) == list(range(datasets)) and groups.count(datasets - 1) == 1
    expected = summed_one_at_a_time(model, seqs, groups, datasets, params)
    assert_sums_equal(sums, expected)

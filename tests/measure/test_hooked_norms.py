"""Per-example gradient norms from hooks (hbo.measure.hooked_norms) and from the training steps (hbo.measure.signals), each
checked against one plain backward per example."""
import math
import random

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from hbo.measure.hooked_norms import GradientNormHooks
from hbo.measure.examples import IGNORE, gradient_norms, pad, row_losses, token_losses
from hbo.measure.signals import TrainingSignals

PAD = 2


def tiny_llama(**overrides) -> LlamaForCausalLM:
    torch.manual_seed(0)
    config = dict(vocab_size=50, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=64, pad_token_id=PAD, tie_word_embeddings=True)
    config.update(overrides)
    return LlamaForCausalLM(LlamaConfig(**config)).eval()


def sequences(n: int = 7, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    """Random lengths and prompt lengths; the pad id also appears as a real token; one example has
    no scored token."""
    rng = random.Random(seed)
    out = []
    for row in range(n):
        length = rng.randint(3, 20)
        ids = [rng.randrange(50) for _ in range(length)]
        ids[length // 2] = PAD
        prompt = rng.randint(1, length - 1)
        labels = [IGNORE] * prompt + ids[prompt:]
        out.append((ids, [IGNORE] * length if row == 3 else labels))
    return out


def one_at_a_time(model, seqs) -> list[float]:
    """The definition: norm of the gradient of each example's mean response loss, alone."""
    params = [p for p in model.parameters() if p.requires_grad]
    norms = []
    for ids, labels in seqs:
        total, count = token_losses(model(input_ids=torch.tensor([ids])).logits, torch.tensor([labels]))
        if int(count) == 0:
            norms.append(float("nan"))
            continue
        grads = torch.autograd.grad(total[0] / count[0], params, allow_unused=True)
        norms.append(float(torch.sqrt(sum(g.pow(2).sum() for g in grads if g is not None))))
    return norms


def assert_norms_equal(actual, expected):
    for a, e in zip(actual, expected):
        if e != e:
            assert a != a
        else:
            assert a == pytest.approx(e, rel=1e-4)


@pytest.mark.parametrize("overrides", [
    {},  # tied input/output embedding, RMSNorm
    {"tie_word_embeddings": False, "attention_bias": True, "mlp_bias": True},
])
def test_hooked_norms_equal_one_backward_per_example(overrides):
    model = tiny_llama(**overrides)
    seqs = sequences()
    hooks = gradient_norms(model, seqs, PAD, batch_size=4, method="hooks")
    assert_norms_equal(hooks.tolist(), one_at_a_time(model, seqs))
    assert_norms_equal(gradient_norms(model, seqs, PAD, method="loop").tolist(), hooks.tolist())


def test_hooked_norms_cover_only_the_trainable_parameters():
    """Frozen base, trainable attention projections and final norm (as with adapters)."""
    model = tiny_llama()
    for name, p in model.named_parameters():
        p.requires_grad_("q_proj" in name or "v_proj" in name or name == "model.norm.weight")
    seqs = sequences(seed=1)
    assert_norms_equal(gradient_norms(model, seqs, PAD, method="hooks").tolist(), one_at_a_time(model, seqs))


def test_layers_without_a_rule_fall_back_to_the_loop():
    """GPT-2's Conv1D projections have no hook rule: auto falls back, hooks refuses."""
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_embd=16, n_layer=1, n_head=2, n_positions=64)).eval()
    assert not GradientNormHooks(model).supported
    seqs = sequences(4)
    assert_norms_equal(gradient_norms(model, seqs, PAD, method="auto").tolist(), one_at_a_time(model, seqs))
    with pytest.raises(ValueError, match="do not cover"):
        gradient_norms(model, seqs, PAD, method="hooks")


def test_hooks_leave_gradients_and_mode_untouched():
    model = tiny_llama()
    model.train()
    gradient_norms(model, sequences(), PAD, method="hooks")
    assert model.training
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("chunk", [1, 5, 4096])
def test_chunked_token_losses_equal_full_cross_entropy(chunk):
    torch.manual_seed(0)
    logits = torch.randn(3, 6, 11)
    labels = torch.tensor([[IGNORE, 1, 2, 3, IGNORE, IGNORE], [4, 5, 6, 7, 8, 9], [IGNORE] * 6])
    totals, counts = token_losses(logits, labels, chunk=chunk)
    full = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, 11), labels[:, 1:].reshape(-1),
                                             ignore_index=IGNORE, reduction="none").view(3, 5)
    assert counts.tolist() == [3, 5, 0]
    assert totals.tolist() == pytest.approx(full.sum(dim=1).tolist(), rel=1e-6)


def test_row_losses_read_trls_fused_head_as_they_read_the_logits():
    """TRL's SFTTrainer gives the model a fused LM head: with ``fused_lm_head=True`` the forward returns
    per-token log-probabilities and no logits. The per-row losses read off it are those of the logits."""
    add_fused_lm_head = pytest.importorskip("trl.trainer.utils").add_fused_lm_head
    model = tiny_llama()
    input_ids, mask, labels = pad(sequences(seed=4), PAD, "cpu")
    plain = row_losses(model(input_ids=input_ids, attention_mask=mask), labels)
    add_fused_lm_head(model)
    fused = model(input_ids=input_ids, attention_mask=mask, labels=labels, fused_lm_head=True)
    assert getattr(fused, "logits", None) is None
    totals, counts = row_losses(fused, labels)
    assert counts.tolist() == plain[1].tolist() and counts.tolist()[3] == 0
    assert totals.tolist() == pytest.approx(plain[0].tolist(), rel=1e-5, abs=1e-6)
    with pytest.raises(ValueError, match="neither logits"):
        row_losses(object(), labels)


@pytest.mark.parametrize("scale", [1.0, 0.25])
def test_training_signals_recover_per_example_norms_from_the_training_loss(scale):
    """A Trainer-style step: mean token loss over the batch, scaled (as for gradient accumulation),
    backward into .grad; the signals undo both factors and give each example's own norm and loss."""
    model = tiny_llama()
    seqs = sequences(seed=2)
    expected = one_at_a_time(model, seqs)
    signals = TrainingSignals(model)
    input_ids, mask, labels = pad(seqs, PAD, "cpu")
    assert not signals.recording and signals.loss_computed(torch.tensor(1.0), torch.zeros(1, 2, 50), labels[:1]) is None
    with signals.step(torch.arange(10, 10 + len(seqs))):
        assert signals.recording
        outputs = model(input_ids=input_ids, attention_mask=mask, labels=labels)  # HF's own mean loss
        signals.loss_computed(outputs.loss, outputs.logits, labels)
        (outputs.loss * scale).backward()
    assert signals.indices == list(range(10, 10 + len(seqs)))
    assert_norms_equal(signals.gradient_norms, expected)
    totals, counts = token_losses(outputs.logits.detach(), labels)
    assert_norms_equal(signals.losses, (totals / counts).tolist())
    with signals.step(torch.tensor([0, 1]), gradient_norms=False):  # losses only
        two = model(input_ids=input_ids[:2], attention_mask=mask[:2], labels=labels[:2])
        signals.loss_computed(two.loss, two.logits, labels[:2])
    assert all(math.isnan(v) for v in signals.gradient_norms[-2:])  # not measured
    assert len(signals.losses) == len(seqs) + 2
    signals.clear()
    assert signals.indices == [] and signals.losses == []


def test_trainer_step_records_the_same_norms_as_the_offline_probe(demo, tmp_path):
    """Through the Hugging Face Trainer's own training_step (its loss, num_items_in_batch, .grad),
    the online norms and losses equal the offline measurement of the same examples."""
    from transformers import DataCollatorForSeq2Seq, TrainingArguments

    from hbo.config import DataConfig
    from hbo.core.sampler import HierarchicalSampler
    from hbo.data.mixture import load_mixture
    from hbo.config import SamplingConfig
    from hbo.measure.examples import conditional_sequence, mean_losses
    from hbo.strategies.hbo import HBOStrategy
    from hbo.training.controller import MixtureController
    from hbo.training.trainer import MixtureTrainer

    model, tokenizer = demo
    train_set = load_mixture(DataConfig(mixture="demo"), tokenizer).flat()
    indices = [o + k for o in train_set.offsets[:-1] for k in (0, 7)]  # two of every dataset
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=len(indices),
                             report_to="none", remove_unused_columns=False, ignore_data_skip=True, use_cpu=True)
    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    # a strategy that reads training signals: the controller records them, with norms on every step
    online = HBOStrategy([[[0]]], SamplingConfig(reward_source="train", global_reward="gradient-norm"), torch.zeros(1),
                         torch.zeros(1))
    controller = MixtureController(online, HierarchicalSampler([[[0]]], num_samples=1), 1, len(indices))
    trainer = MixtureTrainer(model=model, args=args, train_dataset=train_set, data_collator=collator,
                             controller=controller)
    signals = controller.signals
    batch = collator([train_set[i] for i in indices])
    num_items = (batch["labels"][:, 1:] != -100).sum()
    try:
        trainer.training_step(model, dict(batch), num_items_in_batch=num_items)
    finally:
        model.zero_grad(set_to_none=True)
        model.eval()
    seqs = [conditional_sequence(train_set.examples[i]) for i in indices]
    assert signals.indices == indices
    assert_norms_equal(signals.gradient_norms, gradient_norms(model, seqs, tokenizer.pad_token_id).tolist())
    assert_norms_equal(signals.losses, mean_losses(model, seqs, tokenizer.pad_token_id)[0].tolist())


@pytest.mark.parametrize("tied", [True, False])
def test_hooked_norms_of_a_lora_adapter_equal_one_backward_per_example(tied):
    """With PEFT's LoRA only the adapter matrices train; the hooks cover them (plain linear layers
    inside each adapted layer) and nothing of the frozen base. Both adapter matrices start random
    here, so every one of them has a gradient."""
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(tie_word_embeddings=tied),
                           LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False)).eval()
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name for name in trainable)
    assert GradientNormHooks(model).supported
    seqs = sequences(seed=2)
    hooks = gradient_norms(model, seqs, PAD, batch_size=4, method="hooks")
    assert_norms_equal(hooks.tolist(), one_at_a_time(model, seqs))

"""The embedded model is really pretrained, and its levels follow the designed difficulty."""
import json
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM

from hbo.core.levels import assign_levels
from hbo.data.builtin import builtin_mixture
from hbo.data.loading import load_examples
from hbo.data.encoding import encode_examples, response_header_ids
from hbo.scoring import score_examples, spearman


def test_pretrained_far_below_random_and_levels_follow_difficulty(demo):
    model, tokenizer = demo
    spec = builtin_mixture("demo")[0]
    examples = load_examples(spec.path)[:300]
    designed = torch.tensor([json.loads(line)["difficulty"] for line in Path(spec.path).read_text().splitlines()][:300],
                            dtype=torch.float64)
    encoded = encode_examples(examples, tokenizer, 256, "response")
    scores = score_examples(model, encoded, tokenizer.pad_token_id, response_header_ids(tokenizer), 64)
    torch.manual_seed(0)
    random_model = AutoModelForCausalLM.from_config(model.config)
    random_scores = score_examples(random_model, encoded, tokenizer.pad_token_id, response_header_ids(tokenizer), 64)
    assert scores.loss.mean().exp() < 2.0 < 100 < random_scores.loss.mean().exp()
    levels = torch.tensor(assign_levels(scores.metric("ppl"), 4), dtype=torch.float64)
    assert spearman(levels, designed) > 0.7


def test_tokenizer_covers_printable_ascii(demo):
    import string

    _, tokenizer = demo
    ids = tokenizer(string.printable, add_special_tokens=False)["input_ids"]
    assert tokenizer.unk_token_id is None or tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids) == string.printable
    assert tokenizer.chat_template


def test_spearman_by_hand():
    assert spearman(torch.tensor([1.0, 2, 3, 4]), torch.tensor([10.0, 20, 30, 40])) == 1.0
    assert spearman(torch.tensor([1.0, 2, 3]), torch.tensor([3.0, 2, 1])) == -1.0


def test_lora_adapter_starts_from_its_seed_and_leaves_the_global_random_stream_alone():
    from hbo.config import ModelConfig
    from hbo.config.schema import LoraSettings
    from hbo.model import load_model

    config = ModelConfig(name_or_path="demo", lora=LoraSettings(r=4))

    def adapter(seed):
        model, _ = load_model(config, seed=seed)
        return {name: p.detach().clone() for name, p in model.named_parameters() if "lora_A" in name}

    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = adapter(0)
    assert torch.equal(torch.rand(3), expected_next)  # the caller's stream is where it was
    second, other = adapter(0), adapter(1)
    assert first and first.keys() == second.keys() == other.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)  # same seed, same run (one process or many)
    assert not any(torch.equal(first[k], other[k]) for k in first)


def test_a_lora_adapter_loads_without_warnings():
    """Wrapping the model warns of nothing the user could act on (PEFT reads an attribute transformers
    deprecated); any warning here fails the test."""
    import warnings

    from hbo.config import ModelConfig
    from hbo.config.schema import LoraSettings
    from hbo.model import load_model

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model, _ = load_model(ModelConfig(name_or_path="demo", lora=LoraSettings(r=4)))
    assert any("lora_A" in name for name, _ in model.named_parameters())


def test_mixed_precision_computes_in_bfloat16_and_keeps_float32_weights_and_logits():
    from hbo.config import ModelConfig
    from hbo.model import load_model

    plain, tokenizer = load_model(ModelConfig(name_or_path="demo"))
    mixed, _ = load_model(ModelConfig(name_or_path="demo", mixed_precision="bf16"))
    ids = torch.as_tensor([tokenizer("Reverse the words: red blue green")["input_ids"]])
    seen = []
    linear = next(m for m in mixed.modules() if isinstance(m, torch.nn.Linear))
    linear.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    out = mixed(input_ids=ids, labels=ids)
    assert seen == [torch.bfloat16]  # the products ran in bfloat16 ...
    assert out.logits.dtype == torch.float32 and all(p.dtype == torch.float32 for p in mixed.parameters())
    out.loss.backward()
    assert all(p.grad.dtype == torch.float32 for p in mixed.parameters() if p.grad is not None)
    with torch.no_grad():  # ... and give nearly what float32 gives, not the same numbers
        reference = plain(input_ids=ids).logits
        assert not torch.equal(out.logits, reference)
        torch.testing.assert_close(out.logits.log_softmax(-1), reference.log_softmax(-1), atol=0.15, rtol=0)


def test_mixed_precision_scores_are_cached_apart_from_float32_ones():
    from hbo.config import ModelConfig
    from hbo.model import load_model
    from hbo.scoring import model_fingerprint

    plain, _ = load_model(ModelConfig(name_or_path="demo"))
    again, _ = load_model(ModelConfig(name_or_path="demo"))
    mixed, _ = load_model(ModelConfig(name_or_path="demo", mixed_precision="bf16"))
    assert model_fingerprint(plain) == model_fingerprint(again) != model_fingerprint(mixed)

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from hbo.measure.examples import mean_gradient
from hbo.measure.trailing_blocks import gradient_parameters, trailing_block_parameters, transformer_blocks


def tiny_llama(tied: bool, layers: int = 3) -> LlamaForCausalLM:
    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=layers,
                                        num_attention_heads=2, num_key_value_heads=2, vocab_size=40,
                                        tie_word_embeddings=tied, max_position_embeddings=64))


def names(model, params) -> list[str]:
    by_id = {id(p): n for n, p in model.named_parameters(remove_duplicate=False)}
    return [by_id[id(p)] for p in params]


def test_the_last_block_and_the_final_norm_not_a_tied_embedding():
    model = tiny_llama(tied=True)
    assert transformer_blocks(model) is model.model.layers
    chosen = names(model, trailing_block_parameters(model, 1))
    expected = [n for n, _ in model.named_parameters() if n.startswith("model.layers.2.")] + ["model.norm.weight"]
    assert chosen == expected
    # every block: still not the tied embedding, which would take the backward down to the input
    assert "model.embed_tokens.weight" not in names(model, trailing_block_parameters(model, 3))
    assert len(trailing_block_parameters(model, 3)) == len(list(model.parameters())) - 1


def test_an_untied_output_layer_is_included():
    model = tiny_llama(tied=False)
    chosen = names(model, trailing_block_parameters(model, 2))
    assert chosen[-2:] == ["model.norm.weight", "lm_head.weight"]
    assert not any(n.startswith(("model.layers.0.", "model.embed_tokens")) for n in chosen)


def test_frozen_parameters_are_left_out_and_none_means_every_trainable_one():
    model = tiny_llama(tied=True)
    for p in model.model.layers[2].mlp.parameters():
        p.requires_grad_(False)
    chosen = names(model, trailing_block_parameters(model, 1))
    assert chosen and not any(".mlp." in n for n in chosen)
    assert len(gradient_parameters(model, None)) == sum(p.requires_grad for p in model.parameters())


def test_bad_block_counts_are_refused_with_the_count():
    model = tiny_llama(tied=True)
    with pytest.raises(ValueError, match="has 3 blocks"):
        trailing_block_parameters(model, 4)
    with pytest.raises(ValueError, match="has 3 blocks"):
        trailing_block_parameters(model, 0)
    for p in model.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameter in the last 1 blocks"):
        trailing_block_parameters(model, 1)
    with pytest.raises(ValueError, match="no nn.ModuleList"):
        trailing_block_parameters(torch.nn.Linear(2, 2), 1)


def test_the_gradient_is_the_full_ones_restricted_and_the_backward_stops_at_the_first_block():
    model = tiny_llama(tied=True)
    sequences = [([1, 5, 6, 7, 8], [-100, -100, 6, 7, 8]), ([1, 9, 10, 11], [-100, -100, 10, 11])]
    reached = []

    def watch(i):  # a gradient reaching block i's output during a backward records i
        def hook(module, inputs, output):
            hidden = output[0] if isinstance(output, tuple) else output
            if hidden.requires_grad:
                hidden.register_hook(lambda grad: reached.append(i))
        return hook

    handles = [block.register_forward_hook(watch(i)) for i, block in enumerate(model.model.layers)]
    full = dict(zip([id(p) for p in model.parameters()], mean_gradient(model, sequences, pad_id=0)))
    assert sorted(set(reached)) == [0, 1, 2]
    reached.clear()
    params = trailing_block_parameters(model, 1)
    restricted = mean_gradient(model, sequences, pad_id=0, params=params)
    for h in handles:
        h.remove()
    assert set(reached) == {2}  # only the last block ran a backward
    assert len(restricted) == len(params)
    for p, g in zip(params, restricted):
        assert torch.allclose(g, full[id(p)], rtol=1e-5, atol=1e-7)

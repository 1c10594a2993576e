import random

import pytest
import torch

from hbo.config import DataConfig
from hbo.data.mixture import load_mixture
from hbo.measure.examples import (gradient_cosines, gradient_cross_dots, gradient_dots, gradient_gram, gradient_norms,
                                  mean_hidden_states, mean_losses)
from hbo.measure.examples import alone_sequence, conditional_sequence
from hbo.data.encoding import response_header_ids
from hbo.scoring import score_examples
from hbo.measure.probe import ModelProbe


@pytest.fixture(scope="module")
def examples(demo):
    _, tokenizer = demo
    mixture = load_mixture(DataConfig(mixture="demo"), tokenizer)
    rng = random.Random(0)
    flat = mixture.flat().examples
    return [flat[i] for i in rng.sample(range(len(flat)), 40)]


def naive_loss(model, ids, labels):
    """One example, no padding, the definition written out."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0, :-1].float()
    target = torch.tensor(labels[1:])
    logp = torch.log_softmax(logits, -1)
    keep = target != -100
    return float(-logp[keep].gather(1, target[keep, None]).mean())


def test_batched_scores_equal_one_at_a_time(demo, examples):
    model, tokenizer = demo
    scores = score_examples(model, examples, tokenizer.pad_token_id, response_header_ids(tokenizer), batch_size=16)
    for i, ex in enumerate(examples):
        cond = naive_loss(model, *conditional_sequence(ex))
        alone = naive_loss(model, *alone_sequence(ex, response_header_ids(tokenizer)))  # after <|assistant|>\n
        assert scores.loss[i].item() == pytest.approx(cond, rel=1e-4)
        assert scores.alone_loss[i].item() == pytest.approx(alone, rel=1e-4)
        ifd = cond / alone  # a ratio of mean losses (Li et al. 2024), not of perplexities
        assert scores.metric("ifd")[i].item() == pytest.approx(ifd, rel=1e-4)
        assert scores.metric("ppl")[i].item() == pytest.approx(torch.exp(torch.tensor(cond)).item(), rel=1e-4)


def test_gradient_norm_matches_backward(demo, examples):
    model, tokenizer = demo
    seqs = [conditional_sequence(ex) for ex in examples[:3]]
    norms = gradient_norms(model, seqs, tokenizer.pad_token_id)
    for norm, (ids, labels) in zip(norms, seqs):
        model.zero_grad()
        model.eval()
        loss = model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels])).loss
        loss.backward()
        expected = torch.sqrt(sum(p.grad.pow(2).sum() for p in model.parameters() if p.grad is not None))
        assert norm.item() == pytest.approx(expected.item(), rel=1e-4)
    model.zero_grad(set_to_none=True)


def flat_mean_gradient(model, seqs):
    """Gradient of the mean of per-example mean losses, by plain backward one example at a time."""
    model.zero_grad()
    model.eval()
    for ids, labels in seqs:
        (model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels])).loss / len(seqs)).backward()
    grad = torch.cat([p.grad.flatten() for p in model.parameters()])
    model.zero_grad(set_to_none=True)
    return grad


def test_gradient_cosines_match_backward(demo, examples):
    model, tokenizer = demo
    groups = [[conditional_sequence(ex) for ex in examples[:3]], [conditional_sequence(ex) for ex in examples[3:8]]]
    reference = [conditional_sequence(ex) for ex in examples[8:12]]
    cosines = gradient_cosines(model, groups, reference, tokenizer.pad_token_id, batch_size=2)
    ref = flat_mean_gradient(model, reference)
    for cos, group in zip(cosines, groups):
        expected = torch.nn.functional.cosine_similarity(flat_mean_gradient(model, group), ref, dim=0)
        # absolute: near-orthogonal gradients make a relative bound meaningless (float32 dot products)
        assert cos.item() == pytest.approx(expected.item(), abs=2e-5)


def test_gradient_gram_matches_backward(demo, examples):
    model, tokenizer = demo
    groups = [[conditional_sequence(ex) for ex in examples[a:b]] for a, b in ((0, 3), (3, 8), (8, 12))]
    gram = gradient_gram(model, groups, tokenizer.pad_token_id, batch_size=2)
    flat = torch.stack([flat_mean_gradient(model, group) for group in groups]).double()
    # float32 gradients summed in another order: a few parts in 10^4 on the diagonal on some machines
    assert gram.shape == (3, 3) and torch.allclose(gram, flat @ flat.T, rtol=1e-3, atol=1e-6)


def test_gradient_dots_match_backward(demo, examples):
    """Each group's gradient dotted with a weighted sum of the references' gradients, as the Gram
    matrix of them all gives it (two gradients held instead of all)."""
    model, tokenizer = demo
    groups = [[conditional_sequence(ex) for ex in examples[a:b]] for a, b in ((0, 3), (3, 8))]
    references = [[conditional_sequence(ex) for ex in examples[a:b]] for a, b in ((8, 12), (12, 14))]
    dots = gradient_dots(model, groups, references, [0.5, 2.0], tokenizer.pad_token_id, batch_size=2)
    g = torch.stack([flat_mean_gradient(model, group) for group in groups]).double()
    h = torch.stack([flat_mean_gradient(model, group) for group in references]).double()
    expected = g @ (0.5 * h[0] + 2.0 * h[1])
    assert dots.dtype == torch.float64 and torch.allclose(dots, expected, rtol=1e-3, atol=1e-6)
    assert gradient_dots(model, groups, [], [], tokenizer.pad_token_id).tolist() == [0.0, 0.0]
    unit = gradient_dots(model, groups, references, [0.5, 2.0], tokenizer.pad_token_id, batch_size=2, unit=True)
    assert torch.allclose(unit, expected / g.norm(dim=1), rtol=1e-3, atol=1e-6)


def test_gradient_cross_dots_match_backward(demo, examples):
    """Every group's gradient dotted with every reference's, as the Gram matrix of them all gives it."""
    model, tokenizer = demo
    groups = [[conditional_sequence(ex) for ex in examples[a:b]] for a, b in ((0, 3), (3, 8), (8, 10))]
    references = [[conditional_sequence(ex) for ex in examples[a:b]] for a, b in ((10, 12), (12, 14))]
    dots = gradient_cross_dots(model, groups, references, tokenizer.pad_token_id, batch_size=2)
    g = torch.stack([flat_mean_gradient(model, group) for group in groups]).double()
    h = torch.stack([flat_mean_gradient(model, group) for group in references]).double()
    assert dots.shape == (3, 2) and dots.dtype == torch.float64
    assert torch.allclose(dots, g @ h.T, rtol=1e-3, atol=1e-6)
    assert gradient_cross_dots(model, groups, [], tokenizer.pad_token_id).shape == (3, 0)


def test_probe_gradient_products_over_the_last_blocks_are_the_full_ones_restricted(demo, examples):
    """``gradient_blocks``: every product the probe takes covers the last blocks' parameters (and the
    final norm) only, with the values the full gradients have there."""
    from hbo.measure.trailing_blocks import trailing_block_parameters

    model, tokenizer = demo
    probe = ModelProbe(model, type("T", (), {"examples": examples})(), tokenizer.pad_token_id,
                       response_header_ids(tokenizer), gradient_blocks=1)
    kept = {id(p) for p in trailing_block_parameters(model, 1)}
    assert 0 < len(kept) < len(list(model.parameters()))
    mask = torch.cat([torch.full((p.numel(),), id(p) in kept) for p in model.parameters()])
    groups, references = [[0, 1, 2], [3, 4, 5, 6, 7]], [[10, 11], [12, 13]]

    def restricted(indices):
        return flat_mean_gradient(model, [conditional_sequence(examples[i]) for i in indices])[mask].double()

    g = torch.stack([restricted(group) for group in groups])
    h = torch.stack([restricted(group) for group in references])
    assert torch.allclose(probe.gradient_cross_dots(groups, references), g @ h.T, rtol=1e-3, atol=1e-6)
    assert torch.allclose(probe.gradient_gram(groups), g @ g.T, rtol=1e-3, atol=1e-6)
    assert torch.allclose(probe.gradient_dots(groups, references, [0.5, 2.0]), g @ (0.5 * h[0] + 2.0 * h[1]),
                          rtol=1e-3, atol=1e-6)
    cosines = probe.gradient_cosines(groups, references[0])
    assert torch.allclose(cosines, torch.nn.functional.cosine_similarity(g, h[0][None], dim=1), atol=2e-5)
    everything = ModelProbe(model, type("T", (), {"examples": examples})(), tokenizer.pad_token_id,
                            response_header_ids(tokenizer))
    assert not torch.allclose(everything.gradient_cross_dots(groups, references), g @ h.T, rtol=1e-3, atol=1e-6)


def test_hidden_states_are_token_means_of_the_last_layer(demo, examples):
    model, tokenizer = demo
    seqs = [conditional_sequence(ex) for ex in examples[:4]]
    states = mean_hidden_states(model, seqs, tokenizer.pad_token_id, batch_size=3)
    for row, (ids, _) in zip(states, seqs):
        with torch.no_grad():
            hidden = model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states[-1][0]
        assert torch.allclose(row.float(), hidden.mean(dim=0), rtol=1e-4, atol=1e-5)


def test_reward_computation_leaves_training_state_untouched(demo, examples):
    model, tokenizer = demo
    model = type(model)(model.config)  # a private copy we can train
    model.load_state_dict(demo[0].state_dict())
    model.train()
    model.model.layers[0].eval()  # a mixed-mode model must come back mixed
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    ids, labels = conditional_sequence(examples[0])
    model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels])).loss.backward()
    optimizer.step()  # optimizer now has state
    model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels])).loss.backward()  # pending grads

    def snapshot():
        return {
            "params": {n: p.detach().clone() for n, p in model.named_parameters()},
            "grads": {n: p.grad.clone() for n, p in model.named_parameters()},
            "opt": {k: {kk: vv.clone() if torch.is_tensor(vv) else vv for kk, vv in v.items()}
                    for k, v in optimizer.state_dict()["state"].items()},
            "modes": [m.training for m in model.modules()],
            "rng": torch.get_rng_state().clone(),
            "py": random.getstate(),
        }

    before = snapshot()
    probe = ModelProbe(model, type("T", (), {"examples": examples})(), tokenizer.pad_token_id,
                       response_header_ids(tokenizer))
    probe.gradient_norms(range(5))
    probe.losses(range(10))
    probe.losses_and_answer_measures(range(10))
    probe.alone_losses(range(10))
    means, counts = mean_losses(model, [conditional_sequence(ex) for ex in examples[:10]], tokenizer.pad_token_id)
    assert probe.response_lengths(range(10)).tolist() == counts.tolist() and counts.min() > 0
    probe.gradient_cosines([[0, 1], [2, 3, 4]], [5, 6])
    probe.hidden_states(range(4))
    probe.gradient_gram([[0, 1], [2, 3, 4]])
    probe.gradient_dots([[0, 1], [2, 3, 4]], [[5, 6]], [2.0])
    probe.gradient_dots([[0, 1], [2, 3, 4]], [[5, 6]], [2.0], unit=True)
    probe.gradient_cross_dots([[0, 1], [2, 3, 4]], [[5, 6], [7]])
    probe.entropies(range(4))
    after = snapshot()
    for n in before["params"]:
        assert torch.equal(before["params"][n], after["params"][n])
        assert torch.equal(before["grads"][n], after["grads"][n])
    for k in before["opt"]:
        for kk, v in before["opt"][k].items():
            assert torch.equal(v, after["opt"][k][kk]) if torch.is_tensor(v) else v == after["opt"][k][kk]
    assert before["modes"] == after["modes"] and not all(after["modes"])
    assert torch.equal(before["rng"], after["rng"]) and before["py"] == after["py"]


def test_mean_losses_nan_without_labels(demo):
    model, tokenizer = demo
    losses, counts = mean_losses(model, [([1, 2, 3], [-100, -100, -100]), ([1, 2, 3], [-100, 2, 3])],
                                 tokenizer.pad_token_id)
    assert torch.isnan(losses[0]) and counts.tolist() == [0, 2] and torch.isfinite(losses[1])


def test_scores_are_cached_by_model_and_data(demo, tmp_path):
    from hbo.scoring import load_or_score

    model, tokenizer = demo
    mixture = load_mixture(DataConfig(mixture="demo", heldout_max=5), tokenizer)
    mixture.train = [d[:20] for d in mixture.train]
    first, cached = load_or_score(model, mixture, tokenizer, 32, str(tmp_path), progress=False)
    assert not cached and len(list(tmp_path.glob("scores-*.safetensors"))) == 1
    again, cached = load_or_score(model, mixture, tokenizer, 32, str(tmp_path), progress=False)
    assert cached and torch.equal(first.loss, again.loss) and torch.equal(first.alone_loss, again.alone_loss)
    mixture.train[0] = mixture.train[0][:10]  # different data -> different key -> rescored
    _, cached = load_or_score(model, mixture, tokenizer, 32, str(tmp_path), progress=False)
    assert not cached and len(list(tmp_path.glob("scores-*.safetensors"))) == 2


def test_entropies_are_token_means_of_the_predictive_entropy(demo, examples):
    from hbo.measure.examples import mean_entropies

    model, tokenizer = demo
    seqs = [conditional_sequence(ex) for ex in examples[:4]]
    entropies = mean_entropies(model, seqs, tokenizer.pad_token_id, batch_size=3)
    for value, (ids, labels) in zip(entropies, seqs):
        with torch.no_grad():
            logp = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0, :-1].float(), dim=-1)
        scored = torch.tensor(labels[1:]) != -100
        expected = -(logp.exp() * logp).sum(dim=-1)[scored].mean()
        assert value.item() == pytest.approx(expected.item(), rel=1e-4)


def test_all_token_gradient_norms_cover_the_prompt(demo, examples):
    """reward_tokens: all (the authors' code) scores every token, response-only the response alone."""
    model, tokenizer = demo
    train_set = type("T", (), {"examples": examples})()
    header = response_header_ids(tokenizer)
    response = ModelProbe(model, train_set, tokenizer.pad_token_id, header).gradient_norms(range(3))
    everything = ModelProbe(model, train_set, tokenizer.pad_token_id, header, reward_tokens="all").gradient_norms(range(3))
    expected = gradient_norms(model, [(ex.input_ids, ex.input_ids) for ex in examples[:3]], tokenizer.pad_token_id)
    assert torch.allclose(everything, expected, rtol=1e-5)
    assert not torch.allclose(everything, response, rtol=1e-3)


def test_wrong_tokens_by_hand():
    """Position t predicts label t + 1; unlabelled positions count for nothing."""
    from hbo.measure.examples import wrong_tokens

    logits = torch.full((2, 4, 5), -1.0)
    for row, argmaxes in enumerate([[1, 2, 3, 0], [4, 4, 4, 4]]):
        for t, token in enumerate(argmaxes):
            logits[row, t, token] = 1.0
    labels = torch.tensor([[-100, 1, 0, 3],  # predicted 1, 2, 3: first right, second wrong, third right
                           [-100, -100, 4, 2]])  # predicted 4 (right), 4 (wrong)
    assert wrong_tokens(logits, labels).tolist() == [1, 1]


def test_margin_deficits_by_hand():
    """Each scored token adds how far its logit is below the best other token's (0 when it is the
    greedy choice, whatever its lead); unlabelled positions add nothing."""
    from hbo.measure.examples import margin_deficits

    logits = torch.tensor([[[0.0, 3.0, 1.0, 0.0], [0.0, 0.0, 2.0, 1.5], [0.0, 0.0, 0.0, 5.0], [9.0, 0.0, 0.0, 0.0]],
                           [[0.0, 0.0, 0.0, 0.0], [4.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]])
    labels = torch.tensor([[-100, 1, 3, 3],  # right by 2, wrong by 0.5, right by 5
                           [-100, -100, 2, 1]])  # wrong by 4, a tie with the other best (0)
    assert margin_deficits(logits, labels).tolist() == pytest.approx([0.5, 4.0])


def test_wrong_mass_by_hand():
    """Each scored token adds 1 - its softmax probability; unlabelled positions add nothing."""
    from hbo.measure.examples import wrong_mass

    logits = torch.log(torch.tensor([[[0.1, 0.9], [0.5, 0.5], [0.2, 0.8]],
                                     [[0.7, 0.3], [0.6, 0.4], [0.9, 0.1]]]))
    labels = torch.tensor([[-100, 1, 0],  # p(right) 0.9 and 0.5
                           [-100, -100, 1]])  # p(right) 0.4
    assert wrong_mass(logits, labels).tolist() == pytest.approx([0.1 + 0.5, 0.6])


def test_losses_and_answer_measures_match_the_losses_and_greedy_choices(demo, examples):
    from hbo.measure.examples import losses_and_answer_measures

    model, tokenizer = demo
    sequences = [conditional_sequence(ex) for ex in examples[:8]] + [([1, 2, 3], [-100, -100, -100])]
    both = losses_and_answer_measures(model, sequences, tokenizer.pad_token_id, batch_size=3)
    losses, counts = mean_losses(model, sequences, tokenizer.pad_token_id)
    assert torch.allclose(both[:8, 0], losses[:8], atol=1e-5) and torch.isnan(both[8]).all()
    for row, (ids, labels) in enumerate(sequences[:8]):
        with torch.no_grad():
            greedy = model(input_ids=torch.tensor([ids])).logits[0, :-1].argmax(-1)
        target = torch.tensor(labels[1:])
        scored = target != -100
        assert both[row, 1].item() == pytest.approx(((greedy != target) & scored).sum().item() / counts[row].item())
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0, :-1].double()
        own = logits.gather(1, target.clamp(min=0)[:, None]).squeeze(1)
        others = logits.scatter(1, target.clamp(min=0)[:, None], float("-inf")).max(dim=1).values
        deficits = (others - own).clamp(min=0)[scored]
        assert both[row, 2].item() == pytest.approx(deficits.sum().item() / counts[row].item(), rel=1e-4, abs=1e-6)
        right = logits.softmax(dim=-1).gather(1, target.clamp(min=0)[:, None]).squeeze(1)[scored]
        assert both[row, 3].item() == pytest.approx((1 - right).sum().item() / counts[row].item(), rel=1e-4, abs=1e-6)
    assert (both[:8, 1] > 0).any() and (both[:8, 1] < 1).any()  # the check has both kinds of token
    assert (both[:8, 3] >= both[:8, 1] / 2 - 1e-9).all()  # a token missed by greedy leaves at least half its mass wrong
    assert both.shape == (9, 4) and torch.equal(both[:8, 2] > 0, both[:8, 1] > 0)  # a deficit only where a token is wrong
    probe = ModelProbe(model, type("T", (), {"examples": examples})(), tokenizer.pad_token_id,
                       response_header_ids(tokenizer))
    assert torch.allclose(probe.losses_and_answer_measures(range(8)), both[:8], atol=1e-6)

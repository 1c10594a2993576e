import pytest
import torch

from hbo.core.actor import SoftmaxActor


def test_prior_init_is_exact():
    actor = SoftmaxActor([0.54, 0.3, 0.16], lr=1e-3, steps=1)
    assert actor.probabilities.tolist() == pytest.approx([0.54, 0.3, 0.16], abs=1e-12)


def test_fixed_point_is_reward_share():
    """Repeated updates with a fixed reward drive pi to R / sum(R)."""
    rewards = [1.0, 3.0, 6.0]
    actor = SoftmaxActor([1 / 3] * 3, lr=0.05, steps=200)
    for _ in range(20):
        actor.update(rewards)
    assert actor.probabilities.tolist() == pytest.approx([0.1, 0.3, 0.6], abs=1e-3)


def test_gradient_matches_closed_form():
    """dJ/dpsi = -(R - pi * sum R), computed by hand for one point."""
    actor = SoftmaxActor([0.25, 0.75], lr=1e-3, steps=1)
    r = torch.tensor([2.0, 1.0], dtype=torch.float64)
    loss = -(r * torch.log_softmax(actor.logits, 0)).sum()
    loss.backward()
    expected = -(r - torch.tensor([0.25, 0.75], dtype=torch.float64) * 3.0)  # [-1.25, 1.25]
    assert actor.logits.grad.tolist() == pytest.approx(expected.tolist())


def test_one_reference_update_moves_at_most_lr_times_steps():
    actor = SoftmaxActor([0.5, 0.5], lr=1e-4, steps=200)
    before = actor.logits.detach().clone()
    actor.update([0.0, 1.0])
    assert (actor.logits.detach() - before).abs().max() <= 1e-4 * 200 + 1e-9
    assert actor.probabilities[1] > 0.5


@pytest.mark.parametrize("bad", [[float("nan"), 1.0], [-1.0, 2.0], [0.0, 0.0], [float("inf"), 1.0]])
def test_unusable_rewards_change_nothing(bad):
    actor = SoftmaxActor([0.2, 0.8], lr=0.1, steps=5)
    assert actor.update(bad) is False
    assert actor.probabilities.tolist() == pytest.approx([0.2, 0.8])


def test_state_roundtrip_continues_identically():
    a = SoftmaxActor([0.2, 0.3, 0.5], lr=0.01, steps=10)
    a.update([1.0, 2.0, 3.0])
    b = SoftmaxActor([0.2, 0.3, 0.5], lr=0.01, steps=10)
    b.load_state_dict(a.state_dict())
    a.update([3.0, 1.0, 1.0])
    b.update([3.0, 1.0, 1.0])
    assert torch.equal(a.logits, b.logits)


def test_wrong_reward_length():
    with pytest.raises(ValueError):
        SoftmaxActor([0.5, 0.5], lr=0.1, steps=1).update([1.0])

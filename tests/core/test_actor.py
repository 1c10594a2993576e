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


def test_gradient_matches_autograd_and_hand_computation():
    """dJ/dpsi = -(R - pi * sum R): by hand at pi = (0.25, 0.75), R = (2, 1) it is (-1.25, 1.25)."""
    logits = torch.log(torch.tensor([0.25, 0.75], dtype=torch.float64)).requires_grad_(True)
    r = torch.tensor([2.0, 1.0], dtype=torch.float64)
    (-(r * torch.log_softmax(logits, 0)).sum()).backward()
    closed = SoftmaxActor.gradient(logits.detach().numpy(), r.numpy())
    assert closed.tolist() == pytest.approx([-1.25, 1.25])
    assert logits.grad.tolist() == pytest.approx(closed.tolist())


def test_updates_equal_torch_adam_on_the_same_objective():
    """The written-out Adam follows torch.optim.Adam step for step, across two updates."""
    actor = SoftmaxActor([0.1, 0.2, 0.3, 0.4], lr=0.01, steps=50)
    logits = torch.log(torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)).requires_grad_(True)
    optimizer = torch.optim.Adam([logits], lr=0.01)
    for rewards in ([1.0, 3.0, 2.0, 0.5], [0.2, 0.1, 4.0, 1.0]):
        actor.update(rewards)
        r = torch.tensor(rewards, dtype=torch.float64) / max(rewards)
        for _ in range(50):
            optimizer.zero_grad()
            (-(r * torch.log_softmax(logits, 0)).sum()).backward()
            optimizer.step()
    assert actor.probabilities.tolist() == pytest.approx(torch.softmax(logits.detach(), 0).tolist(), abs=1e-12)


def test_one_reference_update_moves_at_most_lr_times_steps():
    actor = SoftmaxActor([0.5, 0.5], lr=1e-4, steps=200)
    before = actor.logits.copy()
    actor.update([0.0, 1.0])
    assert abs(actor.logits - before).max() <= 1e-4 * 200 + 1e-9
    assert actor.probabilities[1] > 0.5


def test_lr_decay_takes_the_kth_update_at_lr_over_k_to_the_power():
    """With lr_decay 0.5 the first update is the constant actor's, the second one at lr / sqrt(2), the
    third at lr / sqrt(3): the same logits as a constant actor whose rate is set to those by hand."""
    decayed = SoftmaxActor([0.1, 0.2, 0.7], lr=0.01, steps=30, lr_decay=0.5)
    constant = SoftmaxActor([0.1, 0.2, 0.7], lr=0.01, steps=30)
    for k, rewards in enumerate(([3.0, 1.0, 0.5], [0.2, 2.0, 1.0], [1.0, 0.1, 0.1]), start=1):
        assert decayed.current_lr == pytest.approx(0.01 / k ** 0.5)
        constant.lr = 0.01 / k ** 0.5
        decayed.update(rewards)
        constant.update(rewards)
        assert decayed.logits.tolist() == pytest.approx(constant.logits.tolist(), abs=1e-15)
    assert decayed.update([float("nan"), 1.0, 1.0]) is False  # an update not taken does not count
    assert decayed.current_lr == pytest.approx(0.01 / 4 ** 0.5)
    resumed = SoftmaxActor([0.1, 0.2, 0.7], lr=0.01, steps=30, lr_decay=0.5)
    resumed.load_state_dict(decayed.state_dict())
    assert resumed.current_lr == decayed.current_lr


@pytest.mark.parametrize("decay", [-0.1, 1.5])
def test_lr_decay_outside_0_1_is_refused(decay):
    with pytest.raises(ValueError, match="lr_decay"):
        SoftmaxActor([0.5, 0.5], lr=0.01, steps=1, lr_decay=decay)


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
    assert a.logits.tolist() == b.logits.tolist()


def test_wrong_reward_length():
    with pytest.raises(ValueError):
        SoftmaxActor([0.5, 0.5], lr=0.1, steps=1).update([1.0])

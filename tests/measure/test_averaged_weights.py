"""The weight average the updates measure on (sampling.probe_average), by hand."""
import pytest
import torch

from hbo.measure.averaged_weights import WeightAverage


def two_layer():
    model = torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False), torch.nn.Linear(1, 1, bias=False))
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[1].weight.fill_(5.0)
    model[1].weight.requires_grad_(False)  # frozen, as a LoRA base is: not averaged
    return model


def test_each_update_moves_the_average_a_tenth_of_the_way_and_the_swap_is_undone():
    model = two_layer()
    average = WeightAverage(model, 0.9)
    with torch.no_grad():
        model[0].weight.fill_(2.0)
    average.update()  # 1 + 0.1 * (2 - 1)
    with torch.no_grad():
        model[0].weight.fill_(3.0)
    average.update()  # 1.1 + 0.1 * (3 - 1.1)
    assert average.average[0].item() == pytest.approx(1.29)
    x = torch.ones(1, 1)
    with average.swapped_in():
        assert model[0].weight.item() == pytest.approx(1.29)
        assert model(x).item() == pytest.approx(1.29 * 5.0)  # the frozen layer is the model's own
    assert model[0].weight.item() == 3.0 and model[1].weight.item() == 5.0
    assert len(average.average) == 1


def test_the_trained_weights_come_back_when_the_measurement_fails():
    model = two_layer()
    average = WeightAverage(model, 0.5)
    with torch.no_grad():
        model[0].weight.fill_(3.0)
    with pytest.raises(RuntimeError), average.swapped_in():
        raise RuntimeError("measurement failed")
    assert model[0].weight.item() == 3.0


def test_state_round_trip_and_a_state_of_another_model_is_refused():
    model = two_layer()
    average = WeightAverage(model, 0.9)
    with torch.no_grad():
        model[0].weight.fill_(11.0)
    average.update()
    restored = WeightAverage(two_layer(), 0.9)
    restored.load_state_dict(average.state_dict())
    assert restored.average[0].item() == pytest.approx(2.0)
    with pytest.raises(ValueError, match="does not fit"):
        WeightAverage(torch.nn.Linear(2, 2), 0.9).load_state_dict(average.state_dict())
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(model, 1.0)


def test_one_update_of_every_tensor_at_once_is_each_tensors_own_lerp_in_float32():
    """The update moves all tensors in one call; each must get exactly what its own float32 lerp
    gives, bfloat16 weights included (they are averaged in float32)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2).to(torch.bfloat16))
    average = WeightAverage(model, 0.9)
    start = [a.clone() for a in average.average]
    expected = [a.clone() for a in start]
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p))
    average.update()
    for want, p in zip(expected, model.parameters()):
        want.lerp_(p.detach().float(), 0.1)
    assert [a.dtype for a in average.average] == [torch.float32] * 4
    assert all(torch.equal(a, want) for a, want in zip(average.average, expected))
    assert not any(torch.equal(a, s) for a, s in zip(average.average, start))  # every tensor moved

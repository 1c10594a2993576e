"""The Trainer glue's own arithmetic, without a Trainer."""
import signal
from types import SimpleNamespace

import pytest

from hbo.training.trainer import MixtureTrainerMixin, checkpoints_activations


@pytest.mark.parametrize("world_size, accumulation", [(1, 1), (2, 1), (1, 4)])
def test_logged_epoch_is_examples_drawn_over_training_examples(world_size, accumulation):
    # 2 datasets of 30 + 10 training examples (probe already carved out): 40 examples per pass
    strategy = SimpleNamespace(training_levels=[[list(range(10)), list(range(10, 30))], [list(range(30, 40))]])
    trainer = SimpleNamespace(controller=SimpleNamespace(strategy=strategy), state=SimpleNamespace(global_step=5),
                              args=SimpleNamespace(train_batch_size=4, gradient_accumulation_steps=accumulation,
                                                   world_size=world_size))
    # 5 steps x 4 examples x accumulation x world size drawn, over 40 training examples
    assert MixtureTrainerMixin.mixture_epochs(trainer) == pytest.approx(5 * 4 * accumulation * world_size / 40)


def test_the_strategy_measures_the_base_model_once_before_training():
    """The callback hands the controller a probe of the model at step 0 (not on a resume), and the
    controller lets the strategy read it before logging the step-0 record."""
    from hbo.core.sampler import HierarchicalSampler
    from hbo.training.controller import MixtureController
    from hbo.training.trainer import MixtureCallback

    calls = []

    class Recording:
        levels = training_levels = [[[0, 1]]]
        probe_levels = [[[]]]
        updates = reads_training_signals = False

        def probabilities(self):
            return [1.0], [[1.0]]

        def start(self, probe):
            calls.append(("start", probe))

        def probe_loss(self):
            calls.append(("record", None))
            return None

        def probe_answer_means(self):
            return None

    controller = MixtureController(Recording(), HierarchicalSampler([[[0, 1]]], num_samples=4), 2, 2)
    controller.log = SimpleNamespace(record=lambda *args, **kwargs: None)
    callback = MixtureCallback(controller, lambda model: ("probe of", model))
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    callback.on_train_begin(None, SimpleNamespace(global_step=3), None, model="m")  # a resume: nothing measured
    assert calls == []
    callback.on_train_begin(None, SimpleNamespace(global_step=0), None, model="m")
    assert calls == [("start", ("probe of", "m")), ("record", None)]
    for signum, handler in handlers.items():  # leave the signal handlers as they were
        signal.signal(signum, handler)


def test_updates_measure_the_weight_average_and_the_checkpoint_keeps_it(tmp_path):
    """With a weight average the controller moves it after every step, the strategy's update measures
    the averaged weights (the trained ones come back after), and the state written to a checkpoint
    folder brings the same average back."""
    import torch

    from hbo.core.sampler import HierarchicalSampler
    from hbo.training.controller import MixtureController
    from hbo.training.trainer import load_controller_state, save_controller_state

    model = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    seen = []

    class Measuring:
        levels = training_levels = [[[0, 1]]]
        probe_levels = [[[]]]
        updates, reads_training_signals = True, False

        def probabilities(self):
            return [1.0], [[1.0]]

        def update(self, probe, step):
            seen.append(model.weight.item())
            return {}

        def probe_loss(self):
            return None

        def probe_answer_means(self):
            return None

        def state_dict(self):
            return {}

        def load_state_dict(self, state):
            pass

    def controller():
        made = MixtureController(Measuring(), HierarchicalSampler([[[0, 1]]], num_samples=8), 2, 2, weight_average=0.5)
        made.attach(model)
        return made

    first = controller()
    for step in (1, 2):
        with torch.no_grad():
            model.weight.fill_(float(4 * step))  # 4 after step 1, 8 after step 2
        first.step_end(step, probe=None)
        assert first.update_seconds > 0  # moving the average is hbo's work too, at a step with no update
    assert seen == [pytest.approx(5.0)]  # 0 -> 2 -> 5: the average, not the trained 8
    assert model.weight.item() == 8.0
    save_controller_state(tmp_path, first.state_dict(2))
    assert (tmp_path / "hbo_weight_average.safetensors").is_file()
    second = controller()
    second.load_state_dict(load_controller_state(tmp_path))
    assert second.weights.average[0].item() == pytest.approx(5.0)
    # a plain loop may load the checkpoint before attach(model): the average waits for the model
    third = MixtureController(Measuring(), HierarchicalSampler([[[0, 1]]], num_samples=8), 2, 2, weight_average=0.5)
    third.load_state_dict(load_controller_state(tmp_path))
    assert third.weights is None
    third.attach(model)
    assert third.weights.average[0].item() == pytest.approx(5.0)  # not the model's trained 8
    without = MixtureController(Measuring(), HierarchicalSampler([[[0, 1]]], num_samples=8), 2, 2)
    with pytest.raises(ValueError, match="probe_average"):
        without.load_state_dict(load_controller_state(tmp_path))


@pytest.mark.parametrize("fields, expected", [
    ({"gradient_checkpointing": True}, True),  # a transformers without the new name
    ({"gradient_checkpointing": False}, False),
    ({"activation_checkpointing": True, "gradient_checkpointing": False}, True),  # the new name decides
    ({"activation_checkpointing": False, "gradient_checkpointing": True}, False),
    ({"activation_checkpointing": None, "gradient_checkpointing": True}, True),  # new name unset: the alias
    ({"activation_checkpointing": True}, True),  # after v6, when the alias is gone
    ({}, False),
])
def test_checkpointing_is_read_under_either_name(fields, expected):
    assert checkpoints_activations(SimpleNamespace(**fields)) is expected


class Scoring:
    """A Trainer's compute_loss in miniature: a forward without gradients for metrics, then the one
    the loss is built from (TRL's SFTTrainer runs its extra forwards in either order)."""

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        import torch

        with torch.no_grad():
            model(inputs["x"] * 0)
        out = model(inputs["x"])
        loss = out.sum()
        return (loss, out) if return_outputs else loss


class ScoringMixture(MixtureTrainerMixin, Scoring):
    pass


def scoring_trainer(signals):
    trainer = object.__new__(ScoringMixture)  # the glue's compute_loss alone, without a Trainer
    trainer.controller = SimpleNamespace(signals=signals)
    trainer.dataset_of = trainer.batch_indices = None
    return trainer


def test_the_signals_read_the_forward_the_loss_was_built_from():
    import torch

    model = torch.nn.Linear(3, 2)
    x = torch.ones(4, 3)
    seen = []
    signals = SimpleNamespace(recording=True, loss_computed=lambda loss, out, labels: seen.append(out) or None)
    loss = scoring_trainer(signals).compute_loss(model, {"x": x, "labels": None})
    assert len(seen) == 1 and seen[0].requires_grad
    assert torch.equal(seen[0], model(x)) and loss.requires_grad


def test_a_loss_computed_without_gradients_outside_a_recorded_step_passes_through():
    """The Trainer's own evaluation loop computes losses under no_grad between training steps: nothing
    is recorded there, and nothing fails for want of a forward with gradients."""
    import torch

    model = torch.nn.Linear(3, 2)
    signals = SimpleNamespace(recording=False, loss_computed=lambda *a: pytest.fail("recorded outside a step"))
    with torch.no_grad():
        loss = scoring_trainer(signals).compute_loss(model, {"x": torch.ones(4, 3), "labels": None})
    assert float(loss) == pytest.approx(float(model(torch.ones(4, 3)).sum()))


def test_the_loss_forward_is_the_first_with_gradients_or_else_the_first():
    import torch

    from hbo.training.trainer import loss_forward_output

    model = torch.nn.Linear(3, 2)
    a, b = torch.zeros(1, 3), torch.ones(1, 3)
    with loss_forward_output(model) as seen:
        with torch.no_grad():
            model(a)
        model(b)
        model(a)
    assert torch.equal(seen.output, model(b)) and seen.output.requires_grad
    with torch.no_grad(), loss_forward_output(model) as seen:
        model(b)
        model(a)
    assert torch.equal(seen.output, model(b)) and not seen.output.requires_grad
    model(a)  # the hook is gone after the block
    assert torch.equal(seen.output, model(b))

"""The Trainer arguments hbo builds, without a Trainer."""
import pytest

from hbo.config import load_config
from hbo.errors import ConfigError
from hbo.training import setup


@pytest.mark.parametrize("processes, gpus, refused", [("2", 1, True), ("2", 2, False), ("8", 4, True), ("1", 1, False)])
def test_more_processes_than_gpus_is_refused_with_what_to_change(monkeypatch, processes, gpus, refused):
    monkeypatch.setenv("LOCAL_WORLD_SIZE", processes)
    monkeypatch.setattr(setup.torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(setup.torch.cuda, "device_count", lambda: gpus)
    if refused:
        with pytest.raises(ConfigError, match=f"--nproc_per_node {gpus}.*use_cpu=true"):
            setup.check_one_gpu_per_process()
    else:
        setup.check_one_gpu_per_process()


def test_no_gpu_and_use_cpu_are_never_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    monkeypatch.setattr(setup.torch.cuda, "is_available", lambda: False)
    setup.check_one_gpu_per_process()  # CPU processes share the machine (gloo)
    monkeypatch.undo()
    monkeypatch.setattr(setup, "check_one_gpu_per_process", lambda: pytest.fail("checked despite use_cpu"))
    config = load_config(None, [f"output_dir={tmp_path}", "training.extra.use_cpu=true"])
    assert setup.training_arguments(config, progress=False).use_cpu


def test_more_gradient_blocks_than_the_model_has_are_refused_before_training(demo, tmp_path):
    model, tokenizer = demo  # 4 blocks
    config = load_config(None, [f"output_dir={tmp_path}", "sampling.heldout_credit=attributed",
                                "sampling.gradient_blocks=5"])
    with pytest.raises(ConfigError, match="sampling.gradient_blocks is 5, but LlamaForCausalLM has 4 blocks"):
        setup.setup_training(config, model, tokenizer, progress=False)
    assert not any(tmp_path.iterdir())  # refused before anything was scored or written

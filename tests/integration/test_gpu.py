"""hbo's default on a CUDA device: the Trainer moves the model there after hbo has built its probe and
weight average on the CPU, and every update must then measure on the GPU (a lent GPU machine found
the weight average left on the CPU). Skipped where there is no CUDA device, as on CI."""
import json

import pytest
import torch

from hbo.config import load_config
from hbo.recipe import train

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.parametrize("overrides, library", [([], None), (["model.mixed_precision=bf16"], None),
                                                 (["model.dtype=bfloat16"], None), (["model.lora={r: 4}"], "peft"),
                                                 (["training.trainer=sft"], "trl")],
                         ids=["float32", "mixed-bf16", "bfloat16", "lora", "sft"])
def test_the_default_trains_and_updates_on_a_gpu(tmp_path, overrides, library):
    if library:
        pytest.importorskip(library)
    config = load_config(None, ["training.max_steps=30", "sampling.update_interval=10", "eval.before=false",
                                "data.heldout_max=4", "eval.max_new_tokens=4", f"output_dir={tmp_path}", *overrides])
    assert config.sampling.strategy == "hbo" and config.sampling.probe_average  # the default, averaged
    results = train(config, progress=False)
    records = [json.loads(line) for line in (tmp_path / "probabilities.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [0, 10, 20, 30]
    assert all(0 < loss < 20 for r in records for loss in r["probe_loss"].values())
    assert results["timing"]["update_s"] > 0

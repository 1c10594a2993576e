"""hbo in a TRL script with a LoRA adapter: the SFTTrainer and PEFT calls you already have, plus
three hbo lines (config, setup_training, with_mixture).

    python examples/trl_lora.py --steps 60 --update-interval 20 --out runs/trl-lora

``training.trainer=sft`` makes ``mix.args`` a ``trl.SFTConfig`` with what the sampler needs
(``remove_unused_columns=False``, ``ignore_data_skip=True``) and TRL's own dataset preparation
skipped: hbo has tokenised the mixture and its labels cover the responses. Packing is refused (it
would join examples of several datasets into one row).
"""
from __future__ import annotations

import argparse

from peft import LoraConfig, get_peft_model
from trl import SFTTrainer
from transformers import set_seed

import hbo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--update-interval", type=int, default=20)
    parser.add_argument("--out", default="runs/trl-lora")
    args = parser.parse_args()

    config = hbo.load_config(overrides=["training.trainer=sft", f"training.max_steps={args.steps}",
                                        f"sampling.update_interval={args.update_interval}",
                                        "training.learning_rate=1e-3", f"output_dir={args.out}"])
    model, tokenizer = hbo.load_model(config.model)  # the built-in demo model; any causal LM works
    set_seed(0)  # the adapter's A matrices start random: seed them for a repeatable run
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", task_type="CAUSAL_LM"))
    mix = hbo.setup_training(config, model, tokenizer, progress=False)  # scores with the base (the adapter starts at 0)
    trainer = hbo.with_mixture(SFTTrainer)(
        model=model, args=mix.args, train_dataset=mix.train_dataset.as_arrow(), processing_class=tokenizer,
        data_collator=mix.data_collator, callbacks=[mix.callback], controller=mix.controller)
    trainer.train()
    for record in mix.controller.log.records:
        print(f"step {record['step']}: P(dataset) = "
              + ", ".join(f"{name} {p:.3f}" for name, p in record["global"].items()))


if __name__ == "__main__":
    main()

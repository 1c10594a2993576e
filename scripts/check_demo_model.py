"""Check that the embedded demo model is really pretrained and that its difficulty levels follow the
difficulty the generator designed.

    python scripts/check_demo_model.py

Prints, per demo dataset: the response perplexity of the demo model and of a randomly initialised
model of the same architecture, and the Spearman rank correlation between the level (K = 4, by IFD and by
perplexity) the demo model assigns and the designed difficulty.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM

from hbo.config import ModelConfig
from hbo.data.builtin import builtin_mixture
from hbo.data.loading import load_examples
from hbo.data.mixture import encode_examples
from hbo.model import load_model
from hbo.core.levels import assign_levels
from hbo.data.mixture import response_header_ids
from hbo.scoring import score_examples, spearman


def main() -> None:
    model, tokenizer = load_model(ModelConfig())
    torch.manual_seed(0)
    random_model = AutoModelForCausalLM.from_config(model.config)
    print(f"{'dataset':<12}{'n':>6}{'ppl demo':>10}{'ppl random':>12}{'rho(IFD level, difficulty)':>28}{'rho(PPL level, difficulty)':>28}")
    for spec in builtin_mixture("demo"):
        examples = load_examples(spec.path, spec.format)
        designed = torch.tensor([json.loads(line)["difficulty"] for line in Path(spec.path).read_text().splitlines()],
                                dtype=torch.float64)
        encoded = encode_examples(examples, tokenizer, 256, "response")
        scores = score_examples(model, encoded, tokenizer.pad_token_id, response_header_ids(tokenizer), 64)
        rand = score_examples(random_model, encoded, tokenizer.pad_token_id, response_header_ids(tokenizer), 64)
        rho = {m: spearman(torch.tensor(assign_levels(scores.metric(m), 4), dtype=torch.float64), designed)
               for m in ("ifd", "ppl")}
        print(f"{spec.name:<12}{len(encoded):>6}{scores.loss.mean().exp():>10.2f}{rand.loss.mean().exp():>12.1f}"
              f"{rho['ifd']:>28.3f}{rho['ppl']:>28.3f}")


if __name__ == "__main__":
    main()

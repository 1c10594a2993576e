"""Build hbo's embedded demo base model: a byte-level BPE tokenizer and a tiny Llama, pretrained here.

The model is pretrained on text from the demo task generator, drawn with a separate seed and skewed
toward easy examples, so it knows the vocabulary and the format and does well on easy examples but
poorly on hard ones: fine-tuning has something to learn and difficulty scores have real spread.

    python scripts/build_demo_model.py            # writes src/hbo/assets/demo-model (a few MB)
"""
from __future__ import annotations

import argparse
import random
import string
import time
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from hbo.data.synthetic import MAX_DIFFICULTY, PRETRAINED_LANGUAGES, make_example

OUT = Path(__file__).resolve().parents[1] / "src" / "hbo" / "assets" / "demo-model"
SPECIAL = {"bos_token": "<|begin|>", "eos_token": "<|end|>", "pad_token": "<|pad|>"}
ROLES = ["<|system|>", "<|user|>", "<|assistant|>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)


def pretraining_records(count: int, seed: int) -> list[dict]:
    """Demo-task records with P(difficulty = d) proportional to 0.45^d: mostly easy ones."""
    rng = random.Random(seed)
    tasks = [("reverse", lang) for lang in PRETRAINED_LANGUAGES] + [("add", None)] * 2
    records = []
    for _ in range(count):
        task, lang = rng.choice(tasks)
        weights = [0.45 ** d for d in range(1, MAX_DIFFICULTY[task] + 1)]
        difficulty = rng.choices(range(1, len(weights) + 1), weights)[0]
        records.append(make_example(task, lang, difficulty, rng))
    return records


def build_tokenizer(texts: list[str], vocab_size: int) -> PreTrainedTokenizerFast:
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL.values()) + ROLES,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    # Printable ASCII is in the byte alphabet already; adding it to the corpus also gives it merges.
    core.train_from_iterator(texts + [string.printable], trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, **SPECIAL, additional_special_tokens=ROLES)
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    records = pretraining_records(40_000, seed=args.seed)
    fake = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.BPE()), **SPECIAL)
    fake.chat_template = CHAT_TEMPLATE
    texts = [fake.apply_chat_template(r["messages"], tokenize=False) for r in records]
    tokenizer = build_tokenizer(texts, vocab_size=384)
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    print(f"tokenizer: {len(tokenizer)} tokens; mean sequence {sum(map(len, ids)) / len(ids):.1f} tokens")

    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=128, intermediate_size=384, num_hidden_layers=4,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    print(f"model: {sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=args.steps, pct_start=0.05)
    rng = random.Random(args.seed)
    model.train()
    start = time.time()
    for step in range(1, args.steps + 1):
        batch = [ids[rng.randrange(len(ids))] for _ in range(args.batch_size)]
        width = max(map(len, batch))
        input_ids = torch.full((len(batch), width), tokenizer.pad_token_id)
        labels = torch.full((len(batch), width), -100)
        for row, seq in enumerate(batch):
            input_ids[row, : len(seq)] = torch.tensor(seq)
            labels[row, : len(seq)] = torch.tensor(seq)
        loss = model(input_ids=input_ids, attention_mask=(labels != -100).long(), labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        if step % 250 == 0:
            print(f"step {step}: loss {loss.item():.3f} ({time.time() - start:.0f}s)")
    model.eval()
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

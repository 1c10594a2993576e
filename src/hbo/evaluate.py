"""Held-out evaluation per dataset: loss and perplexity on the response tokens, and exact match of
the greedy answer against the reference (after stripping surrounding whitespace)."""
from __future__ import annotations

import math

import torch

from hbo.data.mixture import Encoded, Mixture
from hbo.measure import length_batches, mean_losses, preserved_state
from hbo.scoring import conditional_sequence

METRICS = ("loss", "perplexity", "exact_match")


@torch.no_grad()
def greedy_answers(model, tokenizer, examples: list[Encoded], max_new_tokens: int, batch_size: int) -> list[str]:
    """Greedy completions of every prompt, batched by length with left padding."""
    device = next(model.parameters()).device
    answers = [""] * len(examples)
    with preserved_state(model):
        for batch in length_batches([len(ex.prompt_ids) for ex in examples], batch_size):
            width = max(len(examples[i].prompt_ids) for i in batch)
            input_ids = torch.full((len(batch), width), tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                ids = examples[i].prompt_ids
                input_ids[row, width - len(ids):] = torch.as_tensor(ids)
                mask[row, width - len(ids):] = 1
            out = model.generate(input_ids=input_ids.to(device), attention_mask=mask.to(device),
                                 max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
            for row, i in enumerate(batch):
                answers[i] = tokenizer.decode(out[row, width:], skip_special_tokens=True)
    return answers


def exact_match(answer: str, reference: str) -> bool:
    return answer.strip() == reference.strip()


def evaluate_mixture(model, tokenizer, mixture: Mixture, max_new_tokens: int, batch_size: int,
                     progress: bool = True) -> dict:
    """``{dataset: {"examples", "loss", "perplexity", "exact_match"}, "macro": {...}}``; exact match
    in percent, loss token-weighted within a dataset, macro = unweighted mean over datasets."""
    from tqdm.auto import tqdm

    results = {}
    items = list(zip(mixture.names, mixture.heldout))
    for name, held in tqdm(items, desc="evaluating", unit="dataset", disable=not progress, leave=False):
        if not held:
            results[name] = {"examples": 0, "loss": None, "perplexity": None, "exact_match": None}
            continue
        losses, counts = mean_losses(model, [conditional_sequence(ex) for ex in held], tokenizer.pad_token_id,
                                     batch_size)
        valid = counts > 0
        loss = float((losses[valid] * counts[valid]).sum() / counts[valid].sum())
        answers = greedy_answers(model, tokenizer, held, max_new_tokens, batch_size)
        correct = sum(exact_match(a, ex.reference) for a, ex in zip(answers, held))
        results[name] = {"examples": len(held), "loss": loss, "perplexity": math.exp(loss),
                         "exact_match": 100.0 * correct / len(held)}
    scored = [r for r in results.values() if r["examples"]]
    results["macro"] = {m: (sum(r[m] for r in scored) / len(scored) if scored else None) for m in METRICS}
    return results


def format_table(before: dict | None, after: dict) -> str:
    """A plain-text table: one row per dataset (and the macro average), before and after."""
    header = ["dataset", "n"] + [f"{m} {when}" for m in METRICS for when in (("before", "after") if before else ("after",))]
    rows = [header]
    for name in after:
        n = str(after[name].get("examples", "")) if name != "macro" else ""
        row = [name, n]
        for m in METRICS:
            for source in ((before, after) if before else (after,)):
                v = source[name][m]
                row.append("-" if v is None else f"{v:.3f}" if m != "exact_match" else f"{v:.1f}")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)

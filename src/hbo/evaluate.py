"""Held-out evaluation per dataset: loss and perplexity on the response tokens, exact match of the
greedy answer against the reference (after stripping surrounding whitespace), and accuracy.

Accuracy scores a multiple-choice question the way lm-evaluation-harness does: the option whose
response has the highest log-likelihood given the question is the model's choice (see
:mod:`hbo.data.choices` for how options are found). Any other question counts as right when the greedy
answer matches exactly, or ends with the reference's numbers (so "x = 4" or "#### 12" forms match).
"""
from __future__ import annotations

import math
from dataclasses import replace

import torch

from hbo.data.choices import numeric_match
from hbo.data.encoding import Encoded
from hbo.data.mixture import Mixture
from hbo.measure.examples import IGNORE, conditional_sequence, length_batches, mean_losses, preserved_state

METRICS = ("loss", "perplexity", "exact_match", "accuracy")


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


@torch.no_grad()
def choice_log_likelihoods(model, examples: list[Encoded], pad_id: int, batch_size: int) -> list[torch.Tensor]:
    """Summed log-probability of every option's response tokens given its prompt, per question
    ([options] each).

    Questions run ``batch_size`` at a time: their prompts once, left-padded, and then every option of
    every question together on the prompts' key/value cache, so the (long) prompt is not recomputed per
    option and a dataset costs a few batched forwards. A model whose cache cannot be indexed by row
    runs each (prompt + option) as its own sequence instead (same numbers, more compute)."""
    results: list[torch.Tensor] = [torch.empty(0)] * len(examples)
    for batch in length_batches([len(ex.prompt_ids) for ex in examples], batch_size):
        for i, summed in zip(batch, _choice_batch(model, [examples[i] for i in batch], pad_id)):
            results[i] = summed
    return results


def _choice_batch(model, examples: list[Encoded], pad_id: int) -> list[torch.Tensor]:
    device = next(model.parameters()).device
    width = max(len(ex.prompt_ids) for ex in examples)
    prompts = torch.full((len(examples), width), pad_id, dtype=torch.long)
    prompt_mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, ex in enumerate(examples):
        prompts[row, width - len(ex.prompt_ids):] = torch.as_tensor(ex.prompt_ids)
        prompt_mask[row, width - len(ex.prompt_ids):] = 1
    prompts, prompt_mask = prompts.to(device), prompt_mask.to(device)
    out = model(input_ids=prompts, attention_mask=prompt_mask,
                position_ids=(prompt_mask.cumsum(-1) - 1).clamp(min=0), use_cache=True, **_last_logits_only(model))
    cache = _cache(out)
    if not hasattr(cache, "batch_select_indices"):
        sequences = [(list(ex.prompt_ids) + list(c), [IGNORE] * len(ex.prompt_ids) + list(c))
                     for ex in examples for c in ex.choices]
        losses, counts = mean_losses(model, sequences, pad_id, len(sequences))
        return list((-(losses * counts).nan_to_num(0.0)).split([len(ex.choices) for ex in examples]))
    owner = torch.as_tensor([q for q, ex in enumerate(examples) for _ in ex.choices], device=device)
    options = [c for ex in examples for c in ex.choices]
    cache.batch_select_indices(owner)
    option_width = max(len(c) for c in options)
    ids = torch.full((len(options), option_width), pad_id, dtype=torch.long, device=device)
    mask = torch.zeros((len(options), option_width), dtype=torch.long, device=device)
    for row, c in enumerate(options):
        ids[row, :len(c)] = torch.as_tensor(c)
        mask[row, :len(c)] = 1
    lengths = prompt_mask.sum(-1)[owner]
    positions = lengths[:, None] + torch.arange(option_width, device=device)
    rest = model(input_ids=ids, attention_mask=torch.cat([prompt_mask[owner], mask], dim=1),
                 position_ids=positions, **{_cache_argument(model): cache}).logits
    # the first option token is predicted by the prompt's last position, the others by the option's own;
    # log-probabilities as logit minus log-sum-exp, so no second vocabulary-wide copy is made
    first = _token_log_probs(out.logits[owner, -1:], ids[:, :1])
    others = _token_log_probs(rest[:, :-1], ids[:, 1:])
    summed = (torch.cat([first, others], dim=1) * mask).sum(dim=1).cpu()
    return list(summed.split([len(ex.choices) for ex in examples]))


def _token_log_probs(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    logits = logits.float()
    return logits.gather(-1, ids.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)


def _last_logits_only(model) -> dict:
    """The argument that makes the prompt pass project only its last position onto the vocabulary (the
    options need no other): a 49k-word head over every prompt token is a fifth of a small model's
    compute and most of its memory. Older transformers name it differently; a model without it gets all."""
    import inspect

    parameters = inspect.signature(model.forward).parameters
    for name in ("logits_to_keep", "num_logits_to_keep"):
        if name in parameters:
            return {name: 1}
    return {}


def _cache(out):
    return out["cache"] if "cache" in out else out["past_key_values"]  # transformers 5 renamed it


def _cache_argument(model) -> str:
    import inspect

    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def _letter(option: int) -> str:
    return chr(ord("A") + option)


def exact_match(answer: str, reference: str) -> bool:
    return answer.strip() == reference.strip()


def evaluate_mixture(model, tokenizer, mixture: Mixture, max_new_tokens: int, batch_size: int,
                     progress: bool = True, generate_choices: bool = True) -> dict:
    """``{dataset: {"examples", "choice_examples", "loss", "perplexity", "exact_match", "accuracy",
    "correct"}, "macro": {...}}``; ``correct`` and ``exact`` are 1 or 0 per held-out example, in order, for
    accuracy and exact match (None: not generated); paired comparisons of two runs resample them; exact match and accuracy in percent, loss token-weighted within a dataset, macro
    = unweighted mean over datasets. ``choice_examples`` counts the multiple-choice ones; ``chosen``
    counts the letters the model picked (A = first option), ``answers`` the right option's position per
    held-out example (None where it is not multiple choice), ``constant`` is each letter's accuracy if
    every multiple-choice question were answered with it, and the macro's ``constant_letter`` the best
    such letter over the mixture (see :func:`constant_letter_macro`); :func:`constant_letter_correct`
    turns ``answers`` into that letter's 0/1 per question, to pair it with a run's ``correct``. ``content_accuracy`` (and
    ``content_correct``) is accuracy with every multiple-choice question that lists its options' texts
    (``content_examples`` of them) scored by those texts instead, without the letters: the option whose
    text has the highest mean log-probability per token; the rest as in ``accuracy``. Without
    ``generate_choices`` they get no greedy answer: exact match covers the others (None if none).
    ``calibrated_accuracy`` (and ``calibrated_correct``) scores the letters after dividing out the
    model's letter prior over the dataset's questions (see :func:`calibrated_picks`).
    ``questions_digest`` identifies the questions' texts where the mixture read them
    (``Mixture.heldout_digests``), so runs scored on other questions are not paired."""
    from tqdm.auto import tqdm

    results = {}
    items = list(zip(mixture.names, mixture.heldout))
    for name, held in tqdm(items, desc="evaluating", unit="dataset", disable=not progress, leave=False):
        results[name] = evaluate_examples(model, tokenizer, held, max_new_tokens, batch_size, generate_choices)
    for name, digest in zip(mixture.names, mixture.heldout_digests):
        results[name]["questions_digest"] = digest
    results["macro"] = {}
    for m in METRICS:
        values = [r[m] for r in results.values() if r.get(m) is not None]
        results["macro"][m] = sum(values) / len(values) if values else None
    for m in ("content_accuracy", "calibrated_accuracy"):  # None unless every dataset has one
        values = [results[name][m] for name in mixture.names]
        results["macro"][m] = sum(values) / len(values) if values and None not in values else None
    results["macro"]["constant_letter"] = constant_letter_macro([results[name] for name in mixture.names])
    return results


def calibrated_picks(likelihoods: list[torch.Tensor]) -> list[int]:
    """Each question's option after dividing out the model's letter prior over the dataset (batch
    calibration, Zhou et al. 2024): the prior of the k-th option is the mean, over the questions that
    have one, of the probability the model gives it among that question's options. A model that
    drifted toward one letter no longer wins by picking it; what is left is what separates the
    options of one question from those of the others."""
    if not likelihoods:
        return []
    width = max(len(s) for s in likelihoods)
    mass, seen = torch.zeros(width, dtype=torch.float64), torch.zeros(width, dtype=torch.float64)
    for scores in likelihoods:
        mass[:len(scores)] += torch.softmax(scores.double(), dim=0)
        seen[:len(scores)] += 1
    log_prior = torch.log(mass / seen)
    return [int((torch.log_softmax(s.double(), dim=0) - log_prior[:len(s)]).argmax()) for s in likelihoods]


def constant_letter_macro(datasets: list[dict]) -> dict | None:
    """The best one letter to answer every multiple-choice question with, and its macro accuracy (a
    question that is not multiple choice counts as wrong): ``{"letter", "accuracy"}``, None without a
    multiple-choice question. A fine-tuned model drifting toward one letter can score near this without
    knowing anything; a gain counts above it."""
    letters = sorted({letter for d in datasets for letter in d.get("constant", {})})
    if not letters or not datasets:
        return None
    scores = {letter: sum(d.get("constant", {}).get(letter, 0.0) for d in datasets) / len(datasets) for letter in letters}
    best = max(letters, key=lambda letter: (scores[letter], -ord(letter)))
    return {"letter": best, "accuracy": scores[best]}


def constant_letter_correct(answers: list[int | None], letter: str) -> list[int]:
    """1 where answering ``letter`` is right, per question of ``answers`` (an evaluation's right option
    positions; a question that is not multiple choice, None, counts as wrong), so the constant-letter
    baseline can be paired question for question with a run's ``correct``."""
    return [int(a is not None and _letter(a) == letter) for a in answers]


def _texts_to_score(ex: Encoded) -> tuple:
    """The options' texts to score beside the options as the answers spell them: none where the question
    lists no texts, or where the answers are the texts themselves (the cloze form: scored once)."""
    return () if ex.content_choices is None or ex.content_choices == ex.choices else ex.content_choices


def evaluate_examples(model, tokenizer, held: list[Encoded], max_new_tokens: int, batch_size: int,
                      generate_choices: bool = True) -> dict:
    """One dataset's held-out metrics (see :func:`evaluate_mixture`)."""
    n, pad_id = len(held), tokenizer.pad_token_id
    if not n:
        return {"examples": 0, "choice_examples": 0, "content_examples": 0, **{m: None for m in METRICS}, "chosen": {},
                "constant": {}, "answers": [], "content_accuracy": None, "content_correct": [], "calibrated_accuracy": None,
                "calibrated_correct": [], "correct": [], "exact": []}
    total = torch.zeros(n, dtype=torch.float64)  # summed response loss
    count = torch.zeros(n, dtype=torch.long)  # response tokens
    right = [False] * n
    choice = [i for i, ex in enumerate(held) if ex.choices is not None]
    chosen: dict[str, int] = {}  # option letter (A = the first option) -> questions answered with it
    content_right: dict[int, bool] = {}
    letter_scores: list[torch.Tensor] = []  # per multiple-choice question, in ``choice`` order
    # the options' texts ride along after their letters, so each prompt is read once for both
    both = [replace(held[i], choices=held[i].choices + _texts_to_score(held[i])) for i in choice]
    with preserved_state(model):
        for i, scored in zip(choice, choice_log_likelihoods(model, both, pad_id, batch_size)):
            ex = held[i]
            likelihoods = scored[:len(ex.choices)]
            texts = scored[len(ex.choices):] if _texts_to_score(ex) else likelihoods
            letter_scores.append(likelihoods)
            picked = int(likelihoods.argmax())
            chosen[_letter(picked)] = chosen.get(_letter(picked), 0) + 1
            right[i] = picked == ex.answer
            if ex.choices[ex.answer] == tuple(ex.response_ids):  # the right option is the response: its loss is here
                total[i], count[i] = -float(likelihoods[ex.answer]), len(ex.response_ids)
            if ex.content_choices is not None:  # options differ in length: the mean per token decides
                per_token = texts / torch.tensor([len(c) for c in ex.content_choices], dtype=texts.dtype)
                content_right[i] = int(per_token.argmax()) == ex.answer
    rest = [i for i in range(n) if count[i] == 0]
    if rest:
        losses, counts = mean_losses(model, [conditional_sequence(held[i]) for i in rest], pad_id, batch_size)
        for i, loss, c in zip(rest, losses.tolist(), counts.tolist()):
            if c:
                total[i], count[i] = loss * c, c
    loss = float(total.sum() / count.sum()) if count.sum() else math.nan
    generate = [i for i in range(n) if generate_choices or held[i].choices is None]
    answers = greedy_answers(model, tokenizer, [held[i] for i in generate], max_new_tokens, batch_size)
    exact = [exact_match(a, held[i].reference) for i, a in zip(generate, answers)]
    exact_of = dict(zip(generate, exact))
    for i, a, e in zip(generate, answers, exact):
        if held[i].choices is None:
            right[i] = e or numeric_match(a, held[i].reference)
    constant: dict[str, float] = {}  # accuracy (percent of all n) of answering every question with one letter
    for i in choice:
        for k in range(len(held[i].choices)):
            constant.setdefault(_letter(k), 0.0)
        constant[_letter(held[i].answer)] += 100.0 / n
    by_content = [content_right.get(i, right[i]) for i in range(n)]
    calibrated = list(right)
    for i, picked in zip(choice, calibrated_picks(letter_scores)):
        calibrated[i] = picked == held[i].answer
    return {"examples": n, "choice_examples": len(choice), "content_examples": len(content_right), "loss": loss,
            "perplexity": math.exp(loss), "chosen": dict(sorted(chosen.items())), "constant": dict(sorted(constant.items())),
            "answers": [held[i].answer if held[i].choices is not None else None for i in range(n)],
            "content_accuracy": 100.0 * sum(by_content) / n, "content_correct": [int(r) for r in by_content],
            "calibrated_accuracy": 100.0 * sum(calibrated) / n, "calibrated_correct": [int(r) for r in calibrated],
            "exact_match": 100.0 * sum(exact) / len(exact) if exact else None,
            "accuracy": 100.0 * sum(right) / n, "correct": [int(r) for r in right],
            "exact": [int(exact_of[i]) if i in exact_of else None for i in range(n)]}


def gains_line(gains: dict, after: dict) -> str:
    """``hbo.outputs.comparison.gains_over_baselines`` as one line under the table ("" without any)."""
    names = {"before": "the model before training",
             "constant_letter": f"always {(after['macro'].get('constant_letter') or {}).get('letter')!r}"}
    parts = [f"over {names[key]} {g['delta_macro']:+.1f} [{g['ci95'][0]:+.1f}, {g['ci95'][1]:+.1f}]"
             + (" (within noise)" if g["ci95"][0] <= 0 <= g["ci95"][1] else "") for key, g in gains.items()]
    return ("accuracy gained, macro points with a 95% interval over the held-out questions: "
            + "; ".join(parts)) if parts else ""


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
                row.append("-" if v is None else f"{v:.1f}" if m in ("exact_match", "accuracy") else f"{v:.3f}")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    constant = after.get("macro", {}).get("constant_letter")
    if constant:  # multiple choice: what one letter scores, and which letters the model picked
        chosen: dict[str, int] = {}
        for name, r in after.items():
            for letter, count in r.get("chosen", {}).items() if name != "macro" else ():
                chosen[letter] = chosen.get(letter, 0) + count
        line = (f"multiple choice: always {constant['letter']!r} would score {constant['accuracy']:.1f} macro "
                "accuracy; letters chosen: " + ", ".join(f"{k} {v}" for k, v in sorted(chosen.items())))
        if any(r.get("content_examples") for name, r in after.items() if name != "macro"):
            line += f"; options scored by their text: {after['macro']['content_accuracy']:.1f} macro accuracy"
        if after["macro"].get("calibrated_accuracy") is not None:
            line += f"; letters with the model's letter prior divided out: {after['macro']['calibrated_accuracy']:.1f}"
        lines.append(line)
    return "\n".join(lines)

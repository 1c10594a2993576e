"""The training mixture: every dataset loaded, split, rendered with the chat template and tokenised."""
from __future__ import annotations

import hashlib
import json
import random
import warnings
from dataclasses import dataclass, field

import torch
from torch.utils.data import Dataset

from hbo.data.choices import multiple_choice
from hbo.config import DataConfig, DatasetConfig
from hbo.data.formats import DataError, Example
from hbo.data.loading import load_examples, split_heldout

# Used when a tokenizer has no chat template of its own: plain role headers, the EOS token closing
# every turn so that generation learns where to stop.
DEFAULT_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)


@dataclass
class Encoded:
    """One tokenised example. ``labels`` is -100 where no loss is taken."""
    prompt_ids: list[int]
    response_ids: list[int]
    labels: list[int]
    reference: str  # the response text, for exact match
    choices: tuple[tuple[int, ...], ...] | None = None  # multiple choice: every option's response tokens
    answer: int | None = None  # multiple choice: the index of the right option in ``choices``

    @property
    def input_ids(self) -> list[int]:
        return self.prompt_ids + self.response_ids


@dataclass
class DatasetReport:
    loaded: int = 0
    train: int = 0
    heldout: int = 0
    truncated: int = 0  # response cut to fit max_length
    dropped: int = 0  # prompt alone fills max_length: no response token left to learn
    heldout_dropped: int = 0  # held-out examples whose prompt fills max_length: not evaluated
    overlap: int = 0  # held-out examples identical (prompt and response) to a training example


@dataclass
class Mixture:
    names: list[str]
    train: list[list[Encoded]]
    heldout: list[list[Encoded]]
    reports: dict[str, DatasetReport] = field(default_factory=dict)

    def flat(self) -> FlatTrainSet:
        return FlatTrainSet(self.train)

    def fingerprint(self) -> str:
        """A hash of every training example's tokens, for the score cache."""
        h = hashlib.sha256()
        for name, examples in zip(self.names, self.train):
            h.update(name.encode())
            for ex in examples:
                h.update(torch.tensor(ex.prompt_ids + [-1] + ex.response_ids + [-2] + ex.labels).numpy().tobytes())
        return h.hexdigest()[:16]


class FlatTrainSet(Dataset):
    """All training examples of the mixture behind one index, as the Trainer's data loader wants."""

    def __init__(self, train: list[list[Encoded]]):
        self.examples = [ex for dataset in train for ex in dataset]
        self.offsets = [0]
        for dataset in train:
            self.offsets.append(self.offsets[-1] + len(dataset))

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, i: int) -> dict:
        ex = self.examples[i]
        return {"input_ids": ex.input_ids, "labels": ex.labels, "index": i}

    def as_arrow(self):
        """The same rows as a Hugging Face ``datasets.Dataset`` (what TRL's trainers accept), row i
        being example i, so the sampler's indices mean the same in both."""
        from datasets import Dataset as ArrowDataset

        return ArrowDataset.from_dict({"input_ids": [ex.input_ids for ex in self.examples],
                                       "labels": [ex.labels for ex in self.examples],
                                       "index": list(range(len(self.examples)))})

    def indices_of(self, dataset: int) -> range:
        return range(self.offsets[dataset], self.offsets[dataset + 1])


def ensure_chat_template(tokenizer, template: str | None = None) -> None:
    """Install ``template`` (or hbo's default when the tokenizer has none) on the tokenizer."""
    if template is not None:
        tokenizer.chat_template = template
    elif not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = DEFAULT_CHAT_TEMPLATE
    if tokenizer.eos_token is None:
        raise DataError("the tokenizer has no EOS token; hbo needs one to end responses")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token


def response_header_ids(tokenizer) -> list[int]:
    """The tokens the chat template puts before an assistant response (its generation prompt, e.g.
    ``<|im_start|>assistant\n``): IFD scores the response "alone" after them, as the authors' code
    does with its ``ASSISTANT:`` header. A template that adds nothing falls back to BOS (else EOS)."""
    turn = [{"role": "user", "content": "x"}]
    prompted = tokenizer.apply_chat_template(turn, tokenize=False, add_generation_prompt=True)
    plain = tokenizer.apply_chat_template(turn, tokenize=False, add_generation_prompt=False)
    header = prompted[len(plain):] if prompted.startswith(plain) else ""
    ids = tokenizer(header, add_special_tokens=False)["input_ids"] if header else []
    if ids:
        return ids
    return [tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id]


def encode_examples(examples: list[Example], tokenizer, max_length: int, loss_on: str,
                    report: DatasetReport | None = None, with_choices: bool = False) -> list[Encoded]:
    """Render with the chat template and tokenise. The response's token span is what the template
    adds after the generation prompt, so the split between prompt and response is exact. With
    ``with_choices``, a multiple-choice example also gets every option rendered as its response."""
    prompts, responses = [], []
    for ex in examples:
        prompt_text = tokenizer.apply_chat_template(list(ex.prompt), tokenize=False, add_generation_prompt=True)
        prompts.append(prompt_text)
        responses.append(response_text(tokenizer, ex.prompt, prompt_text, ex.response))
    if not examples:
        return []
    prompt_ids = tokenizer(prompts, add_special_tokens=False)["input_ids"]
    response_ids = tokenizer(responses, add_special_tokens=False)["input_ids"]
    encoded = []
    for ex, prompt_text, p, r in zip(examples, prompts, prompt_ids, response_ids):
        if len(p) >= max_length:
            if report:
                report.dropped += 1
            continue
        if len(p) + len(r) > max_length:
            r = r[: max_length - len(p)]
            if report:
                report.truncated += 1
        labels = ([-100] * len(p) if loss_on == "response" else list(p)) + list(r)
        choices, answer = None, None
        choice = multiple_choice("\n".join(m["content"] for m in ex.prompt if m["role"] == "user"), ex.response) \
            if with_choices else None
        if choice is not None:
            texts = [response_text(tokenizer, ex.prompt, prompt_text, c) for c in choice.candidates]
            choices = tuple(tuple(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"])
            answer = choice.answer
        encoded.append(Encoded(list(p), list(r), labels, ex.response, choices, answer))
    return encoded


def response_text(tokenizer, prompt: tuple[dict, ...], prompt_text: str, response: str) -> str:
    """What the chat template adds for ``response`` after the generation prompt (its end-of-turn too)."""
    full_text = tokenizer.apply_chat_template(list(prompt) + [{"role": "assistant", "content": response}],
                                              tokenize=False)
    if full_text.startswith(prompt_text):
        return full_text[len(prompt_text):]
    return response + tokenizer.eos_token  # a template that rewrites earlier turns


def read_mixture(config: DataConfig) -> list[tuple[str, list[Example], list[Example], DatasetReport]]:
    """Load, validate and split every dataset: (name, train, held-out, report). Needs no model, so
    bad data is reported before anything expensive starts."""
    read = []
    for index, spec in enumerate(resolve_datasets(config)):
        examples = load_examples(spec.path, spec.format, spec.split, spec.subset)
        if spec.heldout_path:
            train_ex, held_ex = examples, load_examples(spec.heldout_path, spec.format, spec.split, spec.subset)
        else:
            train_ex, held_ex = split_heldout(examples, config.heldout_fraction, config.heldout_max,
                                              seed=config.seed * 1000 + index)
        held_ex = held_ex[: config.heldout_max]
        if config.train_fraction < 1:
            keep = max(1, round(config.train_fraction * len(train_ex)))
            train_ex = random.Random(f"{config.seed}:{spec.name}").sample(train_ex, keep)
        seen = {_key(ex) for ex in train_ex}
        report = DatasetReport(loaded=len(examples), overlap=sum(_key(ex) in seen for ex in held_ex))
        if report.overlap:
            warnings.warn(f"dataset {spec.name!r}: {report.overlap} of {len(held_ex)} held-out examples also "
                          "appear in its training data; held-out scores will be optimistic", stacklevel=2)
        read.append((spec.name, train_ex, held_ex, report))
    return read


def _key(ex: Example) -> str:
    return json.dumps([ex.prompt, ex.response])


def encode_mixture(read, config: DataConfig, tokenizer) -> Mixture:
    """Tokenise what :func:`read_mixture` returned."""
    names, train, heldout, reports = [], [], [], {}
    for name, train_ex, held_ex, report in read:
        enc_train = encode_examples(train_ex, tokenizer, config.max_length, config.loss_on, report)
        held_report = DatasetReport()
        enc_held = encode_examples(held_ex, tokenizer, config.max_length, config.loss_on, held_report, with_choices=True)
        report.heldout_dropped = held_report.dropped
        if not enc_train:
            raise DataError(f"dataset {name!r} has no training example that fits data.max_length={config.max_length}")
        report.train, report.heldout = len(enc_train), len(enc_held)
        names.append(name)
        train.append(enc_train)
        heldout.append(enc_held)
        reports[name] = report
    return Mixture(names, train, heldout, reports)


def load_mixture(config: DataConfig, tokenizer) -> Mixture:
    """Load, split and tokenise every dataset of the mixture."""
    return encode_mixture(read_mixture(config), config, tokenizer)


def resolve_datasets(config: DataConfig) -> list[DatasetConfig]:
    if config.datasets:
        return config.datasets
    from hbo.data.builtin import builtin_mixture

    return builtin_mixture(config.mixture)

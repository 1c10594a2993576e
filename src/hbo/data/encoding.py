"""Rendering examples with the chat template and tokenising them: one example at a time as an
:class:`Encoded` (held-out examples, tests), the prompt/response boundary exact."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hbo.data.choices import multiple_choice
from hbo.data.formats import DataError, Example

IGNORE = -100  # the label of a token that takes no loss

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
    content_choices: tuple[tuple[int, ...], ...] | None = None  # multiple choice: every option's own text as the response (no letter), where the question lists them

    @property
    def input_ids(self) -> list[int]:
        return self.prompt_ids + self.response_ids


def sequence_lengths(examples: Sequence[Encoded]) -> tuple[np.ndarray, np.ndarray]:
    """(tokens, prompt tokens) of every example, int64. Examples stored in Arrow (and views of them) know
    theirs without building a single example; anything else is counted one example at a time."""
    known = getattr(examples, "sequence_lengths", None)
    if known is not None:
        return known()
    prompts = np.fromiter((len(ex.prompt_ids) for ex in examples), dtype=np.int64, count=len(examples))
    responses = np.fromiter((len(ex.response_ids) for ex in examples), dtype=np.int64, count=len(examples))
    return prompts + responses, prompts


@dataclass
class DatasetReport:
    loaded: int = 0
    train: int = 0
    heldout: int = 0
    truncated: int = 0  # response cut to fit max_length
    dropped: int = 0  # prompt alone fills max_length: no response token left to learn
    heldout_dropped: int = 0  # held-out examples whose prompt fills max_length: not scored (later ones are)
    overlap: int = 0  # held-out examples read (a held-out file: all of it) identical to a training example


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


def labels_for(ids: list[int], prompt_length: int, loss_on: str) -> list[int]:
    """The labels of ``ids`` whose first ``prompt_length`` are the prompt: the response only, or all."""
    return ([IGNORE] * prompt_length if loss_on == "response" else ids[:prompt_length]) + ids[prompt_length:]


def fit_response(prompt_ids: list[int], response_ids: list[int], max_length: int) -> list[int] | None:
    """The response cut so that prompt + response fit ``max_length``; None when the prompt alone fills it
    (no response token would be left to learn)."""
    if len(prompt_ids) >= max_length:
        return None
    return response_ids[: max_length - len(prompt_ids)]


class ChatRenderer:
    """Renders conversations with a tokenizer's chat template, as ``apply_chat_template(tokenize=False)``
    does, at a fraction of its cost per conversation: the compiled template is called directly with the
    same variables (the tokenizer's special tokens). The first conversation of every call is also rendered
    through ``apply_chat_template``; on any difference (a template or transformers version this shortcut
    does not reproduce) every later conversation goes through ``apply_chat_template`` instead."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.template = None
        try:  # transformers' own compiled (sandboxed, cached) template, with its globals
            from transformers.utils.chat_template_utils import _compile_jinja_template

            compiled = _compile_jinja_template(tokenizer.chat_template)
            # a template of our own from the same environment, its globals flattened into one dict: jinja
            # merges them into every render's context, and a chain of mappings is slow to merge
            self.template = compiled.environment.from_string(tokenizer.chat_template)
            self.template.globals = dict(self.template.globals)
            self.variables = dict(tokenizer.special_tokens_map)
        except Exception:  # noqa: BLE001 - any failure means: render the slow, supported way
            self.template = None

    def __call__(self, conversations: list[list[dict]], add_generation_prompt: bool) -> list[str]:
        if not conversations:
            return []
        checked = self.tokenizer.apply_chat_template(conversations[0], tokenize=False,
                                                     add_generation_prompt=add_generation_prompt)
        if self.template is not None and self._direct(conversations[0], add_generation_prompt) != checked:
            self.template = None
        if self.template is None:
            return [checked] + [self.tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=add_generation_prompt)
                                for c in conversations[1:]]
        return [checked] + [self._direct(c, add_generation_prompt) for c in conversations[1:]]

    def _direct(self, conversation: list[dict], add_generation_prompt: bool) -> str:
        return self.template.render(messages=conversation, add_generation_prompt=add_generation_prompt, **self.variables)


def render(tokenizer, prompts: list[list[dict]], responses: list[str],
           renderer: ChatRenderer | None = None) -> tuple[list[str], list[str]]:
    """Every prompt rendered up to the generation prompt, and what the template adds for its response
    after that, its end-of-turn included (a template that rewrites earlier turns once the response is
    there gets the response and EOS)."""
    renderer = renderer or ChatRenderer(tokenizer)
    prompt_texts = renderer(prompts, add_generation_prompt=True)
    full_texts = renderer([list(p) + [{"role": "assistant", "content": r}] for p, r in zip(prompts, responses)],
                          add_generation_prompt=False)
    return prompt_texts, [full[len(prompt):] if full.startswith(prompt) else response + tokenizer.eos_token
                          for prompt, full, response in zip(prompt_texts, full_texts, responses)]


def encode_examples(examples: list[Example], tokenizer, max_length: int, loss_on: str,
                    report: DatasetReport | None = None, with_choices: bool = False) -> list[Encoded]:
    """Render with the chat template and tokenise. The response's token span is what the template
    adds after the generation prompt, so the split between prompt and response is exact. With
    ``with_choices``, a multiple-choice example also gets every option rendered as its response."""
    if not examples:
        return []
    renderer = ChatRenderer(tokenizer)
    prompts, responses = render(tokenizer, [list(ex.prompt) for ex in examples], [ex.response for ex in examples],
                                renderer)
    prompt_ids = tokenizer(prompts, add_special_tokens=False)["input_ids"]
    response_ids = tokenizer(responses, add_special_tokens=False)["input_ids"]
    encoded = []
    for ex, p, r in zip(examples, prompt_ids, response_ids):
        fitted = fit_response(p, r, max_length)
        if fitted is None:
            if report:
                report.dropped += 1
            continue
        if report and len(fitted) < len(r):
            report.truncated += 1
        choices, answer, content = None, None, None
        choice = multiple_choice("\n".join(m["content"] for m in ex.prompt if m["role"] == "user"), ex.response) \
            if with_choices else None
        if choice is not None:
            choices, answer = _option_responses(tokenizer, renderer, ex.prompt, choice.candidates), choice.answer
            if choice.texts == choice.candidates:  # answers that are the texts themselves (cloze)
                content = choices
            elif choice.texts is not None:
                content = _option_responses(tokenizer, renderer, ex.prompt, choice.texts)
        encoded.append(Encoded(list(p), list(fitted), labels_for(list(p) + list(fitted), len(p), loss_on),
                               ex.response, choices, answer, content))
    return encoded


def _option_responses(tokenizer, renderer, prompt, responses) -> tuple[tuple[int, ...], ...]:
    """Every option rendered as the response to ``prompt``: its tokens, as the template ends a reply."""
    _, texts = render(tokenizer, [list(prompt)] * len(responses), list(responses), renderer)
    return tuple(tuple(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"])

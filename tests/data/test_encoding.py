"""Rendering with the chat template: the direct renderer writes exactly what ``apply_chat_template`` writes,
for templates of several shapes, and falls back to it when it cannot reproduce it."""
import copy

import pytest

from hbo.data.encoding import ChatRenderer, render

# A ChatML-style template that adds a default system turn, reads loop state and a namespace, and raises
# on a role it does not know: the features real templates use.
CHATML = (
    "{%- set ns = namespace(system=false) -%}"
    "{%- for message in messages -%}{%- if message['role'] == 'system' -%}{%- set ns.system = true -%}{%- endif -%}"
    "{%- endfor -%}"
    "{%- if not ns.system -%}{{ '<|im_start|>system\nYou are helpful.<|im_end|>\n' }}{%- endif -%}"
    "{%- for message in messages -%}"
    "{%- if message['role'] not in ['system', 'user', 'assistant'] -%}{{ raise_exception('bad role') }}{%- endif -%}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] | trim + '<|im_end|>' }}"
    "{%- if not loop.last or message['role'] != 'assistant' %}\n{% endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}"
)
# A template that writes the special tokens it is given, and the turn count.
COUNTING = ("{{ bos_token }}{% for m in messages %}[{{ loop.index }}/{{ messages | length }}]{{ m['role'] }}: "
            "{{ m['content'] }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}[reply]{% endif %}")

CONVERSATIONS = [
    [{"role": "user", "content": "Add 2 and 3."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "  Name a colour.  "}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "é ✓"}],
]


@pytest.fixture
def tokenizer(demo):
    return copy.deepcopy(demo[1])


@pytest.mark.parametrize("template", [None, CHATML, COUNTING], ids=["demo", "chatml", "counting"])
@pytest.mark.parametrize("add_generation_prompt", [True, False])
def test_direct_rendering_equals_apply_chat_template(tokenizer, template, add_generation_prompt):
    if template is not None:
        tokenizer.chat_template = template
    renderer = ChatRenderer(tokenizer)
    assert renderer.template is not None  # the fast path is the one under test
    want = [tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=add_generation_prompt)
            for c in CONVERSATIONS]
    assert renderer(CONVERSATIONS, add_generation_prompt) == want
    assert renderer.template is not None


def test_a_difference_from_apply_chat_template_switches_to_it(tokenizer):
    renderer = ChatRenderer(tokenizer)
    renderer.template = renderer.template.environment.from_string("{{ messages[0]['content'] }}!")  # renders wrong
    want = [tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=True) for c in CONVERSATIONS]
    assert renderer(CONVERSATIONS, True) == want
    assert renderer.template is None


def test_render_splits_prompt_and_response_at_the_generation_prompt(tokenizer):
    tokenizer.chat_template = CHATML
    prompts, responses = render(tokenizer, CONVERSATIONS[:2], ["Five.", "Red."])
    for conversation, prompt, response, text in zip(CONVERSATIONS, prompts, responses, ["Five.", "Red."]):
        full = tokenizer.apply_chat_template(conversation + [{"role": "assistant", "content": text}], tokenize=False)
        assert prompt.endswith("<|im_start|>assistant\n") and prompt + response == full
        assert response == f"{text}<|im_end|>"

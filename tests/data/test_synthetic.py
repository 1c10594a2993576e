"""The generated tasks' answers are what their prompts ask for, so exact match scores the task."""
import re

import pytest

from hbo.data.synthetic import LANGUAGES, MAX_DIFFICULTY, generate_dataset


def digits(text):
    return [int(x) for x in re.findall(r"\d", text)]


def solve(task, prompt):
    """The answer a prompt of ``task`` asks for, computed independently of the generator."""
    if task == "add":
        a, b = (int(x) for x in re.findall(r"\d+", prompt))
        return str(a + b)
    if task == "sub":
        a, b = (int(x) for x in re.findall(r"\d+", prompt))
        return str(a - b)
    if task == "sort":
        return " ".join(map(str, sorted(digits(prompt))))
    if task == "evens":
        return " ".join(str(x) for x in digits(prompt) if x % 2 == 0)
    if task == "max":
        return str(max(digits(prompt)))
    words = prompt.split(":", 1)[1].split()
    return " ".join(reversed(words))


@pytest.mark.parametrize("task,language", [("reverse", lang) for lang in LANGUAGES]
                         + [("add", None), ("add", "plus"), ("sub", None), ("sort", None), ("evens", None),
                            ("max", None)])
def test_every_answer_is_right_and_every_prompt_distinct(task, language):
    records = generate_dataset(task, language, 200, seed=7)
    prompts = [r["messages"][0]["content"] for r in records]
    assert len(set(prompts)) == 200
    for record, prompt in zip(records, prompts):
        assert record["messages"][1]["content"] == solve(task, prompt), prompt
        assert 1 <= record["difficulty"] <= MAX_DIFFICULTY[task]
    assert {r["difficulty"] for r in records} == set(range(1, MAX_DIFFICULTY[task] + 1))


@pytest.mark.parametrize("task", ["evens", "max"])
def test_digit_list_tasks_never_answer_empty_and_their_length_follows_the_difficulty(task):
    for record in generate_dataset(task, None, 400, seed=3):
        prompt, answer = record["messages"][0]["content"], record["messages"][1]["content"]
        assert answer  # never an empty answer
        assert len(digits(prompt)) == record["difficulty"] + 2

"""Held-out accuracy: option log-likelihoods, batched across questions, equal a plain forward per option, and every example is
scored the right way (multiple choice, exact or numeric match)."""
import math
from dataclasses import replace

import pytest
import torch

import hbo.evaluate

from hbo.data.formats import Example
from hbo.data.encoding import encode_examples
from hbo.data.mixture import Mixture
from hbo.evaluate import choice_log_likelihoods, constant_letter_correct, evaluate_mixture
from hbo.measure.examples import mean_losses
from hbo.measure.examples import conditional_sequence

QUESTION = "Which is a gas?\nA. iron\nB. oxygen\nC. salt"


def user(text):
    return ({"role": "user", "content": text},)


def full_sequence_log_likelihood(model, prompt_ids, option_ids):
    ids = torch.tensor([list(prompt_ids) + list(option_ids)])
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits[0, :-1].double(), dim=-1)
    targets = ids[0, len(prompt_ids):]
    return float(logp[len(prompt_ids) - 1:].gather(-1, targets[:, None]).sum())


@pytest.mark.parametrize("shared_prompt", [True, False], ids=["prompt-cache", "one-sequence-per-option"])
def test_option_log_likelihoods_equal_one_forward_per_option(demo, monkeypatch, shared_prompt):
    model, tokenizer = demo
    examples = [Example(user(QUESTION), "[B]"), Example(user("Minimum level:\na) 5 ppm\nb) 30 ppm"), "b) 30 ppm"),
                Example(user("What is 2+2?"), "4")]
    encoded = encode_examples(examples, tokenizer, 256, "response", with_choices=True)
    exam, quoted, plain = encoded
    assert plain.choices is None and (exam.answer, quoted.answer) == (1, 1)
    assert len(exam.choices) == 3 and exam.choices[exam.answer] == tuple(exam.response_ids)  # the gold is the response
    assert tokenizer.decode(list(quoted.choices[0])).startswith("a) 5 ppm")
    model.eval()
    if not shared_prompt:  # a model whose cache cannot be indexed by row
        monkeypatch.setattr(hbo.evaluate, "_cache", lambda out: object())
    # both questions' options share padded batches of 2 (so rows of different questions and lengths mix)
    for ex, got in zip((exam, quoted), choice_log_likelihoods(model, [exam, quoted], tokenizer.pad_token_id, 2)):
        want = [full_sequence_log_likelihood(model, ex.prompt_ids, c) for c in ex.choices]
        assert torch.allclose(got.double(), torch.tensor(want, dtype=torch.float64), atol=1e-3, rtol=1e-4), (got, want)
    assert encode_examples(examples, tokenizer, 256, "response")[0].choices is None  # training data: no options


def test_accuracy_uses_choices_where_there_are_some_and_matching_elsewhere(demo):
    model, tokenizer = demo
    choice = [Example(user(QUESTION.replace("gas", f"gas ({i})")), "[B]") for i in range(3)]
    numeric = [Example(user("How many?"), "working\n#### 7")]  # the demo model never writes "#### 7"
    held = encode_examples(choice + numeric, tokenizer, 256, "response", with_choices=True)
    mixture = Mixture(["exam"], [held], [held])
    model.eval()
    picked = [int(c.argmax()) for c in choice_log_likelihoods(model, held[:3], tokenizer.pad_token_id, 1)]
    losses, counts = mean_losses(model, [conditional_sequence(ex) for ex in held], tokenizer.pad_token_id)
    for generate in (True, False):
        results = evaluate_mixture(model, tokenizer, mixture, max_new_tokens=4, batch_size=4, progress=False,
                                   generate_choices=generate)
        exam = results["exam"]
        assert (exam["examples"], exam["choice_examples"]) == (4, 3)
        assert math.isclose(exam["accuracy"], 100 * sum(p == 1 for p in picked) / 4)
        # the right option's likelihood is the response loss: the same as a plain loss pass
        assert math.isclose(exam["loss"], float((losses * counts).sum() / counts.sum()), rel_tol=1e-5)
        assert exam["exact_match"] == 0.0  # greedy answers of the tiny model are never "[B]" or the worked answer
        assert results["macro"]["accuracy"] == exam["accuracy"]
    only_choices = evaluate_mixture(model, tokenizer, Mixture(["exam"], [held[:3]], [held[:3]]), 4, 4, False, False)
    assert only_choices["exam"]["exact_match"] is None and only_choices["macro"]["exact_match"] is None


def test_chosen_letters_and_the_constant_letter_baseline(demo):
    model, tokenizer = demo
    answers = ["[A]", "[B]", "[B]", "[C]"]  # two of four questions answered B; one more is not multiple choice
    choice = [Example(user(QUESTION.replace("gas", f"gas ({i})")), a) for i, a in enumerate(answers)]
    held = encode_examples(choice + [Example(user("How many?"), "7")], tokenizer, 256, "response", with_choices=True)
    model.eval()
    picked = [int(c.argmax()) for c in choice_log_likelihoods(model, held[:4], tokenizer.pad_token_id, 2)]
    results = evaluate_mixture(model, tokenizer, Mixture(["exam", "plain"], [held, held], [held, held[4:]]),
                               max_new_tokens=4, batch_size=2, progress=False, generate_choices=False)
    exam = results["exam"]
    assert exam["chosen"] == {letter: picked.count(k) for k, letter in enumerate("ABC") if k in picked}
    assert exam["constant"] == pytest.approx({"A": 20.0, "B": 40.0, "C": 20.0})  # of all 5 questions
    assert results["plain"]["chosen"] == {} and results["plain"]["constant"] == {}
    assert exam["answers"] == [0, 1, 1, 2, None] and results["plain"]["answers"] == [None]
    # the constant letter question for question: what pairs it with a run's `correct`
    assert constant_letter_correct(exam["answers"], "B") == [0, 1, 1, 0, 0]
    assert constant_letter_correct(exam["answers"], "E") == [0] * 5
    assert 100 * sum(constant_letter_correct(exam["answers"], "B")) / 5 == pytest.approx(exam["constant"]["B"])
    # over the mixture: B, with the dataset without options counting as wrong (40 + 0) / 2
    assert results["macro"]["constant_letter"] == pytest.approx({"letter": "B", "accuracy": 20.0})


def test_constant_letter_macro_by_hand():
    from hbo.evaluate import constant_letter_macro

    datasets = [{"constant": {"A": 50.0, "B": 10.0}}, {"constant": {"B": 30.0, "C": 60.0}}, {"constant": {}}]
    # A: 50/3, B: 40/3, C: 60/3
    assert constant_letter_macro(datasets) == pytest.approx({"letter": "C", "accuracy": 20.0})
    assert constant_letter_macro([{"constant": {"A": 10.0, "B": 10.0}}]) == {"letter": "A", "accuracy": 10.0}  # ties: first
    assert constant_letter_macro([{"constant": {}}]) is None


def test_the_table_says_what_one_letter_scores_only_where_there_is_multiple_choice():
    from hbo.evaluate import format_table

    row = {"examples": 4, "loss": 0.5, "perplexity": 1.6, "exact_match": 0.0, "accuracy": 50.0}
    mc = {"exam": {**row, "chosen": {"A": 3, "C": 1}, "constant": {"A": 25.0, "C": 50.0}},
          "macro": {**row, "constant_letter": {"letter": "C", "accuracy": 50.0}}}
    assert format_table(None, mc).splitlines()[-1] == ("multiple choice: always 'C' would score 50.0 macro accuracy; "
                                                       "letters chosen: A 3, C 1")
    mc["exam"]["content_examples"], mc["macro"]["content_accuracy"] = 4, 75.0
    assert format_table(None, mc).splitlines()[-1].endswith("; options scored by their text: 75.0 macro accuracy")
    mc["macro"]["calibrated_accuracy"] = 25.0
    assert format_table(None, mc).splitlines()[-1].endswith("; letters with the model's letter prior divided out: 25.0")
    plain = {"demo": {**row, "chosen": {}, "constant": {}}, "macro": {**row, "constant_letter": None}}
    assert "multiple choice" not in format_table(None, plain)


def test_calibrated_picks_divide_out_the_mean_letter_probability_of_the_dataset():
    from hbo.evaluate import calibrated_picks

    # the model prefers A on every question; a fourth question has two options only
    probabilities = [[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.5, 0.1, 0.4], [0.2, 0.8]]
    # prior by position: A (0.7+0.6+0.5+0.2)/4 = 0.5, B (0.2+0.3+0.1+0.8)/4 = 0.35, C (0.1+0.1+0.4)/3 = 0.2
    # p / prior: q1 1.4, 0.57, 0.5 -> A; q2 1.2, 0.86, 0.5 -> A; q3 1.0, 0.29, 2.0 -> C; q4 0.4, 2.29 -> B
    log_likelihoods = [torch.log(torch.tensor(p)) - 3.0 for p in probabilities]  # a shift changes nothing
    assert calibrated_picks(log_likelihoods) == [0, 0, 2, 1]
    assert [int(s.argmax()) for s in log_likelihoods] == [0, 0, 0, 1]
    assert calibrated_picks([]) == []


def test_calibrated_accuracy_scores_letters_with_their_prior_divided_out(demo):
    from hbo.evaluate import calibrated_picks

    model, tokenizer = demo
    prompts = ["Which is a gas?\nA. iron\nB. oxygen\nC. salt", "Pick one:\nA. x\nB. yy", "Odd?\nA. 3\nB. 4"]
    examples = [Example(user(prompts[0]), "[B]"), Example(user(prompts[1]), "[A]"), Example(user(prompts[2]), "[A]"),
                Example(user("How many?"), "7")]
    held = encode_examples(examples, tokenizer, 256, "response", with_choices=True)
    model.eval()
    letters = [s[:len(ex.choices)] for ex, s in zip(held, choice_log_likelihoods(
        model, [replace(ex, choices=ex.choices + ex.content_choices) for ex in held[:3]], tokenizer.pad_token_id, 2))]
    want = [int(p == ex.answer) for p, ex in zip(calibrated_picks(letters), held)]
    results = evaluate_mixture(model, tokenizer, Mixture(["exam"], [held], [held]), max_new_tokens=4, batch_size=2,
                               progress=False, generate_choices=False)
    exam = results["exam"]
    assert exam["calibrated_correct"] == want + [exam["correct"][3]]
    assert math.isclose(exam["calibrated_accuracy"], 100 * sum(exam["calibrated_correct"]) / 4)
    assert results["macro"]["calibrated_accuracy"] == exam["calibrated_accuracy"]


def test_content_accuracy_scores_the_option_texts_by_mean_log_probability_per_token(demo):
    model, tokenizer = demo
    # the texts differ in length, so a summed log-probability would favour the shortest
    prompts = ["Which is a gas?\nA. iron filings\nB. oxygen\nC. salt from the sea", "Pick one:\nA. x\nB. yy"]
    examples = [Example(user(prompts[0]), "[B]"), Example(user(prompts[1]), "[A]"), Example(user("How many?"), "7")]
    held = encode_examples(examples, tokenizer, 256, "response", with_choices=True)
    assert held[2].content_choices is None
    assert [tokenizer.decode(list(c)) for c in held[0].content_choices] == [  # each text as the reply, no letter
        "iron filings<|end|>\n", "oxygen<|end|>\n", "salt from the sea<|end|>\n"]
    model.eval()
    want = []
    for ex in held[:2]:
        per_token = [full_sequence_log_likelihood(model, ex.prompt_ids, c) / len(c) for c in ex.content_choices]
        want.append(max(range(len(per_token)), key=per_token.__getitem__) == ex.answer)
    results = evaluate_mixture(model, tokenizer, Mixture(["exam"], [held], [held]), max_new_tokens=4, batch_size=2,
                               progress=False, generate_choices=False)
    exam = results["exam"]
    assert exam["content_examples"] == 2
    assert exam["content_correct"] == [int(want[0]), int(want[1]), exam["correct"][2]]
    assert math.isclose(exam["content_accuracy"], 100 * sum(exam["content_correct"]) / 3)
    assert results["macro"]["content_accuracy"] == exam["content_accuracy"]


def test_answers_that_are_option_texts_are_scored_once_by_those_texts(demo):
    model, tokenizer = demo
    prompt = "Which is a gas?\nA. iron filings\nB. oxygen\nC. salt from the sea"
    held = encode_examples([Example(user(prompt), "oxygen")], tokenizer, 256, "response", with_choices=True)
    assert held[0].choices == held[0].content_choices and held[0].answer == 1
    model.eval()
    summed = [full_sequence_log_likelihood(model, held[0].prompt_ids, c) for c in held[0].choices]
    per_token = [s / len(c) for s, c in zip(summed, held[0].choices)]
    exam = evaluate_mixture(model, tokenizer, Mixture(["exam"], [held], [held]), max_new_tokens=4, batch_size=2,
                            progress=False, generate_choices=False)["exam"]
    assert exam["correct"] == [int(max(range(3), key=summed.__getitem__) == 1)]
    assert exam["content_correct"] == [int(max(range(3), key=per_token.__getitem__) == 1)]
    assert sum(exam["chosen"].values()) == 1 and exam["content_examples"] == 1

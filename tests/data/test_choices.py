"""Multiple-choice questions: options found, candidates spelled like the reference, numeric match."""
import pytest

from hbo.data.choices import final_numbers, multiple_choice, numeric_match, options

EXAM = "Which is a gas?\nA. iron\nB. oxygen\nC. salt\nD. wood\nAnswer:"


def test_options_are_the_last_run_of_markers():
    assert options(EXAM) == [("A", "iron"), ("B", "oxygen"), ("C", "salt"), ("D", "wood")]
    # a stray "A." in the question, option texts that end in "A.", options inline, lower case with ")"
    assert [t for _, t in options("Mr A. Smith asks:\nA. 4 A.\nB. 2 A.\nAnswer:")] == ["4 A.", "2 A."]
    assert [t for _, t in options("Tax? A. 382 B. 503 C. 1,282. Respond with the letter.")] == \
        ["382", "503", "1,282. Respond with the letter."]
    assert [letter for letter, _ in options("Pick – a) x b) y\n\na) ab\nb) bc\nc) abc")] == ["a", "b", "c"]
    assert options("No options here.") == []
    assert options("Only one:\nA. x") == []


@pytest.mark.parametrize("reference, candidates, answer", [
    ("B", ("A", "B", "C", "D"), 1),
    ("[C]", ("[A]", "[B]", "[C]", "[D]"), 2),
    (" (d) ", ("(a)", "(b)", "(c)", "(d)"), 3),
    ("the correct answer is (A)", tuple(f"the correct answer is ({x})" for x in "ABCD"), 0),
])
def test_letter_answers_become_one_candidate_per_option(reference, candidates, answer):
    prompt = EXAM.lower() if reference.strip().startswith("(d") else EXAM
    choice = multiple_choice(prompt, reference)
    assert choice is not None and choice.candidates == candidates and choice.answer == answer
    assert choice.texts == ("iron", "oxygen", "salt", "wood")  # the options' own texts, for scoring by content


def test_an_answer_that_quotes_its_option_gets_every_option_quoted():
    prompt = "Minimum iodine level:\n\na) 5 ppm\nb) 30 ppm\nc) 15 ppm"
    choice = multiple_choice(prompt, "c) 15 ppm")
    assert choice.candidates == ("a) 5 ppm", "b) 30 ppm", "c) 15 ppm") and choice.answer == 2
    assert choice.texts == ("5 ppm", "30 ppm", "15 ppm")
    assert multiple_choice(prompt, "c) 20 ppm") is None  # quotes text the options do not hold


def test_an_answer_that_is_one_option_text_makes_the_texts_the_candidates():
    prompt = "Which is a gas?\nA. iron\nB. oxygen\nC. salt\nAnswer:"
    choice = multiple_choice(prompt, " oxygen ")
    assert choice.candidates == choice.texts == ("iron", "oxygen", "salt") and choice.answer == 1
    assert multiple_choice(prompt, "neon") is None  # no option says it
    assert multiple_choice("Pick one:\nA. salt\nB. salt\nC. iron", "salt") is None  # two options say it


def test_options_without_text_have_no_content_to_score():
    choice = multiple_choice("Which picture shows a gas?\nA.\nB.\nC.\nAnswer:", "[B]")
    assert choice is not None and choice.answer == 1 and choice.texts is None


@pytest.mark.parametrize("prompt, reference", [
    (EXAM, "[E]"),  # a letter the question does not offer
    (EXAM, "Decrease"),  # a word, not a letter
    ("What is 6 x 7?", "A"),  # no options
    (EXAM, "[2030]"),
])
def test_other_answers_are_not_multiple_choice(prompt, reference):
    assert multiple_choice(prompt, reference) is None


def test_numeric_match_reads_the_final_answer():
    assert final_numbers("so 3 + 4 = 7\n#### 1,204") == [1204.0]
    assert final_numbers("[$28.42, $31.58]") == [28.42, 31.58]
    assert numeric_match("First 3 * 4 = 12, then 12 + 30 = 42.\n#### 42", "working\n#### 42")
    assert numeric_match("The answer is 42", "#### 42")  # the last number, when no "####"
    assert not numeric_match("#### 41", "#### 42")
    assert numeric_match("x = [[ 18]\n [ -7]]", "x = [[18]\n [-7]]")
    assert not numeric_match("x = [[ 18]\n [ 7]]", "x = [[18]\n [-7]]")
    assert not numeric_match("Decrease", "Decrease")  # no number: exact match decides, not this

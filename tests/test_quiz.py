"""Self-check quizzes: every question file is well formed, and a check explains every wrong choice at once."""

import pytest

import parallel_course as pc
from parallel_course.questionnaire import QUIZZES, Question, Quiz

NAMES = sorted(p.stem for p in QUIZZES.glob("*.yaml"))


@pytest.mark.parametrize("name", NAMES)
def test_every_wrong_option_is_explained_and_the_answer_is_an_option(name):
    for number, question in enumerate(pc.quiz(name).questions, 1):
        assert question.ask.strip(), f"question {number} asks nothing"
        if question.options is None:
            assert isinstance(question.why, str) and question.why.strip(), f"question {number}: one text as why"
            continue
        assert str(question.answer) in question.options, f"question {number}: the answer is one of the options"
        wrong = set(question.options) - {str(question.answer)}
        if isinstance(question.why, dict):
            assert set(question.why) == wrong, f"question {number}: a why for each wrong option, and only those"
        for letter in wrong:
            assert question.explain(letter), f"question {number}: option {letter} is not explained"
        assert question.explain(question.answer) is None


def test_a_check_explains_every_wrong_choice_then_what_is_unanswered():
    questions = [
        Question(ask=f"q{n}", options={"a": "yes", "b": "no"}, answer="a", why={"b": f"because {n}"}) for n in range(5)
    ]
    quiz = Quiz(questions)
    assert quiz.problems({1: "a", 2: "b", 3: "b"}) == (
        "question 2: not 'b'. because 1\nquestion 3: not 'b'. because 2\nquestion 4, 5 not answered yet"
    )
    assert quiz.problems({1: "a", 2: "A"}) == "question 3, 4, 5 not answered yet"
    assert quiz.problems({n: "a" for n in range(1, 6)}) is None
    assert quiz.problems({1: "z"}).startswith("question 1: not 'z'. choose one of a, b\nquestion 2, 3")
    assert "dict" in quiz.problems(["a"])


def test_every_explanation_is_whole_and_fits_a_hint():
    """A wrong choice's explanation is shown whole: a full sentence, never cut."""
    for name in NAMES:
        for number, question in enumerate(pc.quiz(name).questions, 1):
            whys = question.why.values() if isinstance(question.why, dict) else [question.why]
            for why in whys:
                assert why.strip().endswith((".", "?", "!", ")", "`")), f"{name} question {number}: {why!r}"


def test_a_value_question_accepts_one_percent():
    question = Question(ask="how many?", answer=12, why="count the threads")
    assert question.explain("12.1") is None and question.explain(12) is None
    assert question.explain(11) == "count the threads"


def test_bad_parameters_name_themselves():
    with pytest.raises(ValueError, match="questions"):
        Quiz([Question(ask="q", answer="a", why="w")] * 4)
    with pytest.raises(ValueError, match="name"):
        pc.quiz("99_no_such_notebook")


def test_wrong_choices_counts_the_wrong_items_and_never_names_them():
    from parallel_course.questionnaire import CHOICES, wrong_choices

    right = dict(CHOICES["q01_when"])
    assert wrong_choices("q01_when", right) == 0
    assert wrong_choices("q01_when", {**right, "hashing": True}) == 1
    assert wrong_choices("q01_when", {k: not v for k, v in right.items()}) == 4
    assert wrong_choices("q01_when", {**right, "hashing": 0}) == 1  # a choice is a bool, not a number equal to one
    assert wrong_choices("q01_when", {"translate": True}) == 3  # a missing item is wrong
    with pytest.raises(ValueError, match="question"):
        wrong_choices("q99_nothing", right)

"""Self-check quizzes: ``pc.quiz(name)`` shows a notebook's questions and explains each wrong choice.

The questions live in ``quizzes/<notebook name>.yaml``: a list of ``ask``, ``options`` (letter -> text,
or none for a short value), ``answer`` and ``why`` (wrong letter -> why it is wrong, or one text).
"""

from dataclasses import dataclass
from pathlib import Path

import yaml

QUIZZES = Path(__file__).with_name("quizzes")


@dataclass(frozen=True)
class Question:
    ask: str
    answer: str | int | float
    why: dict | str
    options: dict | None = None

    def explain(self, choice) -> str | None:
        """None if ``choice`` is right, else why it is not."""
        if _same(choice, self.answer):
            return None
        if self.options is None:
            return self.why if isinstance(self.why, str) else self.why.get(str(choice), "not this one")
        if str(choice) not in self.options:
            return f"choose one of {', '.join(self.options)}"
        return self.why[str(choice)] if isinstance(self.why, dict) else self.why


def _same(choice, answer) -> bool:
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        try:
            return abs(float(choice) - answer) <= 1e-9 + 0.01 * abs(answer)
        except (TypeError, ValueError):
            return False
    return str(choice).strip().lower() == str(answer).strip().lower()


class Quiz:
    """A notebook's questions; ``problems(answers)`` is the hint a check shows."""

    def __init__(self, questions: list[Question]):
        if not 5 <= len(questions) <= 8:
            raise ValueError(f"questions: a quiz has 5 to 8 questions, not {len(questions)}")
        self.questions = questions

    def problems(self, answers: dict) -> str | None:
        """Every wrong answer and why, one line each, then the questions not answered yet; None if all right."""
        if not isinstance(answers, dict):
            return "answer with a dict {question number: your choice}"
        lines = []
        for number, question in enumerate(self.questions, 1):
            choice = answers.get(number, ...)
            if choice is not ... and (why := question.explain(choice)) is not None:
                lines.append(f"question {number}: not {choice!r}. {why}")
        unanswered = [str(n) for n in range(1, len(self.questions) + 1) if answers.get(n, ...) is ...]
        if unanswered:
            lines.append(f"question {', '.join(unanswered)} not answered yet")
        return "\n".join(lines) or None

    def _repr_markdown_(self) -> str:
        lines = []
        for number, question in enumerate(self.questions, 1):
            lines.append(f"**{number}.** {question.ask}\n")
            for letter, text in (question.options or {}).items():
                lines.append(f"- **{letter}** {text}")
            lines.append("")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Quiz({len(self.questions)} questions)"


def quiz(name: str) -> Quiz:
    """The quiz of notebook ``name`` (e.g. ``"01_runnable_parallel_overview"``)."""
    path = QUIZZES / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in QUIZZES.glob("*.yaml"))) or "none"
        raise ValueError(f"name: no quiz {name!r} (quizzes: {known})")
    return Quiz([Question(**entry) for entry in yaml.safe_load(path.read_text())])


# the right choice per item of the exercises whose answer is a choice per item, read by checks only through
# wrong_choices (how many items are wrong, never which)
CHOICES = {
    "q01_when": {"translate": True, "pipeline": False, "hashing": False, "lookups": True},
    "q09_choose": {"three_questions": "RunnableParallel", "resume": "LangGraph", "per_chunk": "LangGraph",
                   "tiny_branches": "RunnableParallel"},
}


def wrong_choices(question: str, given: dict) -> int:
    """How many items of a choice exercise ``given`` gets wrong (a missing item counts), never which:
    a check tells the learner "1 of 4 is not right" and leaves the finding to them."""
    if question not in CHOICES:
        raise ValueError(f"question: no choice exercise {question!r} (known: {', '.join(sorted(CHOICES))})")
    return sum(not _chosen(given.get(item, Ellipsis), choice) for item, choice in CHOICES[question].items())


def _chosen(value, choice) -> bool:
    return type(value) is type(choice) and value == choice

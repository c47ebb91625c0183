"""Sentiment judges: fake-model responders with different heuristics, so several models can vote
on the same review (notebook 05's fan-in). ``JUDGES`` maps each judge's name to its responder."""

import re

from .responders import NEGATIVE, POSITIVE, payload, sentiment, words

NEGATIONS = frozenset("not no never nothing neither nor without".split())

# Phrases that report a defect or a return: a review that has one is negative.
DEFECTS = (
    "stopped", "broke", "broken", "cracked", "came apart", "tear", "peeling", "flaked", "flaking",
    "leak", "died", "dead", "skips", "drops", "disconnects", "snags", "split", "crackling",
    "rattles", "chipping", "grainy", "soaked", "sending it back", "returned", "refund",
    "waste of money",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _negated(tokens: list[str], index: int, window: int) -> bool:
    """Whether one of the ``window`` words before ``tokens[index]`` negates it."""
    return any(t in NEGATIONS or t.endswith("n't") for t in tokens[max(0, index - window):index])


def opinion_score(text: str, negation: bool = True) -> int:
    """Positive minus negative lexicon words; with ``negation``, "not good" counts as negative."""
    tokens = words(text)
    score = 0
    for index, token in enumerate(tokens):
        value = (token in POSITIVE) - (token in NEGATIVE)
        if value and negation and _negated(tokens, index, 3):
            value = -value
        score += value
    return score


def closing_sentiment(prompt: str) -> str:
    """Judge by the verdict: the last sentence with an opinion word decides (negation-aware).

    Reads the payload of ``prompt`` (its longest paragraph); no opinion word at all counts
    as positive, like ``responders.sentiment``.
    """
    for sentence in reversed(_SENTENCE_END.split(payload(prompt).strip())):
        score = opinion_score(sentence)
        if score:
            return "negative" if score < 0 else "positive"
    return "positive"


def defect_sentiment(prompt: str) -> str:
    """Judge by complaints: 'negative' if the payload reports a defect or a return, else 'positive'.

    A defect phrase (see ``DEFECTS``) negated by one of the four words before it ("nothing
    on the stand has cracked") does not count.
    """
    text = " ".join(words(payload(prompt)))
    tokens_before = lambda position: text[:position].split()  # noqa: E731
    for phrase in DEFECTS:
        for match in re.finditer(r"\b" + re.escape(phrase), text):
            before = tokens_before(match.start())
            if not _negated(before, len(before), 4):
                return "negative"
    return "positive"


JUDGES = {"lexicon": sentiment, "closing": closing_sentiment, "defects": defect_sentiment}

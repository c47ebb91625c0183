"""Helpers for the fan-out and fan-in notebooks (04, 05).

``calls_timeline`` draws the calls of fake models on a timeline: ``batch``, ``.map()`` and
map-reduce chains have no named branches for a ``TimelineRecorder`` to follow, but every
fake model logs its own calls. The sentiment "judges" are responders with different
heuristics, so that several fake models can vote on the same review.
"""

import re
from collections.abc import Callable

import pandas as pd

from .fake_chat_model import FakeChatModel
from .responders import NEGATIVE, POSITIVE, payload, sentiment, words

TIMELINE_COLUMNS = ["branch", "start", "end", "duration", "status", "model", "thread", "prompt"]


def calls_timeline(
    *models: FakeChatModel, t0: float | None = None, label: Callable[[pd.Series], str] | None = None
) -> pd.DataFrame:
    """The logged calls of ``models`` as a timeline for ``plot_timeline`` and ``peak_concurrency``.

    One row per call, labelled ``"<model name> <n>"`` (n counts each model's calls in order
    of start, from 1), or by ``label(call)`` if given: ``call`` is the call's row, with
    ``model``, ``prompt``, ``start``, ``end``, ``thread`` and ``status``. Times are seconds
    since ``t0`` (a ``time.perf_counter()`` value), by default since the earliest call.
    """
    if label is not None and not callable(label):
        raise ValueError(f"label must be a function of a call's row, got {label!r}")
    if not models:
        raise ValueError("models must name at least one fake model")
    for model in models:
        if not isinstance(model, FakeChatModel):
            raise ValueError(f"models must be FakeChatModel instances (fake=True), got {type(model).__name__}")
    frames = []
    for model in models:
        log = model.call_log().sort_values("start", kind="stable").reset_index(drop=True)
        if label is None:
            log["branch"] = [f"{name} {n}" for n, name in enumerate(log["model"], start=1)]
        else:
            log["branch"] = [str(label(row)) for _, row in log.iterrows()]
        frames.append(log)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if frame.empty:
        return pd.DataFrame(columns=TIMELINE_COLUMNS)
    origin = frame["start"].min() if t0 is None else t0
    frame["start"] -= origin
    frame["end"] -= origin
    frame["duration"] = frame["end"] - frame["start"]
    return frame[TIMELINE_COLUMNS].sort_values("start", kind="stable").reset_index(drop=True)


# -- sentiment judges ----------------------------------------------------------------------

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

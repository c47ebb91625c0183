"""Deterministic "answers" for the fake chat model, computed from the prompt text.

Each responder takes the prompt (the text of the last message) and returns a string.
They read the *payload*: the longest paragraph of the prompt, so the instructions
around a review or an article do not change the answer.
"""

import re
from collections import Counter

POSITIVE = frozenset(
    "good great excellent love loved amazing perfect happy fast easy comfortable "
    "recommend reliable sturdy best fantastic solid works quiet bright crisp "
    "helpful beautiful delighted impressed worth".split()
)
NEGATIVE = frozenset(
    "bad poor terrible hate hated awful broke broken slow disappointed refund "
    "returned useless cheap worst noisy flimsy leaks leaked stopped dead waste "
    "faulty cracked late rude annoying".split()
)
STOPWORDS = frozenset(
    "a an and are as at be but by for from has have i in is it its it's of on or "
    "so that the this to was were with my me we our you your they them not no "
    "very just after than then too also all one two can could would will after "
    "into out up only more most some any what when which who how about".split()
)
_WORD = re.compile(r"[a-z']+")


def payload(prompt: str) -> str:
    """Return the longest paragraph of ``prompt`` (the text the instructions are about)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", prompt) if p.strip()]
    return max(paragraphs, key=len) if paragraphs else ""


def words(text: str) -> list[str]:
    """Lower-case words of ``text``."""
    return _WORD.findall(text.lower())


def sentiment(prompt: str) -> str:
    """'positive' or 'negative' by counting lexicon words in the payload (ties: positive)."""
    tokens = words(payload(prompt))
    score = sum(t in POSITIVE for t in tokens) - sum(t in NEGATIVE for t in tokens)
    return "negative" if score < 0 else "positive"


def summarize(prompt: str, max_words: int = 12) -> str:
    """The payload's first sentence, cut to ``max_words`` words."""
    text = payload(prompt)
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    cut = first.split()[:max_words]
    return " ".join(cut) + ("..." if len(first.split()) > max_words else "")


def keywords(prompt: str, k: int = 3) -> str:
    """The ``k`` most frequent non-stopwords of the payload, comma-separated."""
    counts = Counter(w for w in words(payload(prompt)) if w not in STOPWORDS and len(w) > 2)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(word for word, _ in ranked[:k])


def echo(prompt: str) -> str:
    """The prompt itself."""
    return prompt


RESPONDERS = {
    "sentiment": sentiment,
    "summary": summarize,
    "keywords": keywords,
    "echo": echo,
}

"""The support desk of the capstone (notebook 10): what the simulated provider answers, and the right records.

A prompt names its step by its first word (``Classify``, ``Extract``, ``Draft``, ``Check``,
``Summarize``, ``Combine``) and carries its inputs on labelled lines: ``Ticket: ...``,
``Category: ...``, ``Facts: ...``, ``Draft: ...``, ``Record: ...``, ``Counts: ...``. The answers
are deterministic functions of those lines, so a record can be checked exactly.
"""

import re
from collections import Counter
from collections.abc import Iterable

from .data import load_tickets

CATEGORIES = ("billing", "shipping", "technical", "account")
# First rule found wins, in this order (data/README.md: 27 of the 30 tickets get their label).
CATEGORY_RULES = {
    "billing": ("refund", "charge", "invoice", "payment", "fee"),
    "shipping": ("delivery", "package", "parcel", "tracking", "courier"),
    "technical": ("error", "crash", "login fails", "freezes", "blank page", "spins"),
    "account": ("password", "email", "delete my account", "profile", "username"),
}
PROMPTS = {
    "classify": "Classify this support ticket as billing, shipping, technical or account.\nTicket: {text}",
    "extract": "Extract the customer's facts (numbers, amounts, dates) from this ticket.\nTicket: {text}",
    "draft": "Draft a reply to this ticket.\nTicket: {text}\nCategory: {category}\nFacts: {facts}",
    "check": "Check this draft reply against the ticket.\nTicket: {text}\nDraft: {reply}",
    "summarize": "Summarize these support records as counts.\n{records}",
    "combine": "Combine these counts into one digest.\n{counts}",
}
# "may" is left out: it is a verb far more often than a month in a ticket
_MONTHS = "january february march april june july august september october november december"
_FACT = re.compile(
    r"[A-Za-z#$]*\d[\w.,/-]*|\b(?:yesterday|today|last (?:week|month)|this month|an hour ago|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|" + "|".join(_MONTHS.split()) + r")\b",
    flags=re.IGNORECASE,
)


def field(prompt: str, label: str) -> str | None:
    """The text after ``Label:`` on the prompt's first line that starts with it, or None."""
    match = re.search(rf"^{label}:[ \t]*(.*)$", prompt, flags=re.MULTILINE | re.IGNORECASE)
    return match.group(1).strip() if match else None


def classify(text: str) -> str:
    """The category of a ticket's text: the first rule whose keyword it contains, else 'account'."""
    lowered = text.lower()
    for category, keywords in CATEGORY_RULES.items():
        if any(keyword in lowered for keyword in keywords):
            return category
    return "account"


def facts(text: str) -> str:
    """The ticket's numbers, amounts and dates ('48213, 24.99', 'Tuesday', 'last month'), or 'none'."""
    found = [word.rstrip(".,") for word in _FACT.findall(text)]
    return ", ".join(found) if found else "none"


def reply(category: str, facts: str) -> str:
    """The reply the desk drafts for a category and the facts."""
    noted = "" if facts == "none" else f" We have noted: {facts}."
    return f"Thank you for contacting us about your {category} request.{noted} A specialist will follow up today."


def check(text: str, draft: str) -> str:
    """'approved' if the draft is the reply for the ticket's own category and facts, else 'revise'."""
    return "approved" if draft == reply(classify(text), facts(text)) else "revise"


def record_line(record: dict) -> str:
    """A record as one ``Record:`` line of a summarize prompt."""
    return f"Record: id={record.get('id')} category={record.get('category')} error={record.get('error') or ''}"


def counts(lines: list[str]) -> Counter:
    """Per category, and ``failed`` for records with an error, from ``Record:`` lines."""
    tally = Counter()
    for line in lines:
        error = re.search(r"error=(.*)$", line)
        category = re.search(r"category=(\S+)", line)
        if error and error.group(1).strip():
            tally["failed"] += 1
        elif category:
            tally[category.group(1)] += 1
    return tally


def format_counts(tally: Counter) -> str:
    """Counts in a fixed order: 'billing=2, shipping=0, technical=1, account=0, failed=1'."""
    return ", ".join(f"{key}={tally.get(key, 0)}" for key in (*CATEGORIES, "failed"))


def parse_counts(text: str) -> Counter:
    """The counts of ``format_counts`` read back."""
    return Counter({key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", text)})


def digest(records: list[dict]) -> str:
    """The digest a batch of records should get: 'total=N; billing=..., failed=...'."""
    tally = counts([record_line(r) for r in records])
    return f"total={len(records)}; {format_counts(tally)}"


def answer(prompt: str) -> str:
    """What the simulated provider answers to a desk prompt."""
    step = (prompt.split(None, 1) or [""])[0].lower()
    text = field(prompt, "Ticket")
    if step == "classify" and text is not None:
        return classify(text)
    if step == "extract" and text is not None:
        return facts(text)
    if step == "draft" and text is not None:
        return reply(field(prompt, "Category") or "unknown", field(prompt, "Facts") or "none")
    if step == "check" and text is not None:
        return check(text, field(prompt, "Draft") or "")
    if step == "summarize":
        return format_counts(counts(re.findall(r"^Record:.*$", prompt, flags=re.MULTILINE)))
    if step == "combine":
        lines = re.findall(r"^Counts:(.*)$", prompt, flags=re.MULTILINE)
        total = sum((parse_counts(line) for line in lines), Counter())
        return f"total={sum(total.values())}; {format_counts(total)}"
    return "I don't know."


def expected_record(ticket: dict) -> dict:
    """The record a ticket should get when every step succeeds."""
    text = ticket["text"]
    category, found = classify(text), facts(text)
    draft = reply(category, found)
    return {"id": ticket["id"], "category": category, "facts": found, "reply": draft, "check": check(text, draft),
            "error": None}


def tickets(ids: Iterable[int] | None = None) -> list[dict]:
    """Tickets of ``data/tickets.csv`` as ``{"id", "text"}`` dicts, in the order of ``ids`` (default: all)."""
    frame = load_tickets().set_index("id")
    ids = list(frame.index) if ids is None else list(ids)
    missing = [i for i in ids if i not in frame.index]
    if missing:
        raise ValueError(f"ids must be ticket ids of tickets.csv (1-{frame.index.max()}), got {missing}")
    return [{"id": int(i), "text": frame.loc[i, "text"]} for i in ids]

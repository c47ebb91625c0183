"""A class of notebook 01 for the similarity report (tests/test_similarity.py, tests/browser/): two planted
copies, answers written independently, the solution, the wrong answers, an untouched notebook."""

import re
from pathlib import Path

from grading_support import answered, answers, learner, write, wrong

# The learners' own answers, written independently of each other and of the solution.
ALICE = {
    "q01_quiz": 'quiz_answers = {1: "b", 2: "c", 3: "a", 4: "b", 5: "c", 6: "a"}',
    "q01_ticket_line": (
        "from langchain_core.runnables import RunnableLambda\n"
        "\n"
        "both = RunnableParallel(keywords=keyword_model, words=RunnableLambda(lambda text: len(text.split())))\n"
        "\n"
        "def to_line(out):\n"
        '    return out["keywords"].content.upper() + " (%d words)" % out["words"]\n'
        "\n"
        "ticket_line = both | RunnableLambda(to_line)"
    ),
    "q01_predict": "predicted_sequential = 1.6\npredicted_parallel = 0.8",
    "q01_when": 'speeds_up = {"translate": True, "pipeline": False, "hashing": False, "lookups": True}',
    "q01_triage": (
        "from operator import itemgetter\n"
        "\n"
        "tickets = pc.load_tickets()\n"
        'urgent_rows = tickets[tickets.priority.eq("high")]\n'
        "parser = StrOutputParser()\n"
        "summarise = (\n"
        '    ChatPromptTemplate.from_template("Summarise this support ticket in one line.\\n\\n{text}")\n'
        '    | pc.get_chat_model("summary", latency=0.3)\n'
        "    | parser\n"
        ")\n"
        'three_words = ChatPromptTemplate.from_template("List three keywords from this support ticket.\\n\\n{text}")\n'
        'three_words = three_words | pc.get_chat_model("keywords", latency=0.3) | parser\n'
        'ticket_card = RunnableParallel(id=itemgetter("id"), summary=summarise, keywords=three_words)\n'
        'triage = pd.DataFrame(ticket_card.batch(list(urgent_rows.to_dict("records"))))\n'
        'triage = triage[["id", "summary", "keywords"]]'
    ),
}
CAROL = {
    "q01_quiz": 'quiz_answers = {1: "b", 2: "c", 3: "a", 4: "a", 5: "c", 6: "a"}',
    "q01_ticket_line": (
        "def format_line(parts):\n"
        '    count = parts["words"]\n'
        "    return f\"{parts['keywords'].upper()} ({count} words)\"\n"
        "\n"
        "\n"
        "ticket_line = RunnableParallel(\n"
        '    {"keywords": keyword_model | StrOutputParser(), "words": lambda s: len(s.split())}\n'
        ") | format_line"
    ),
    "q01_predict": "predicted_sequential = 0.8 + 0.8\npredicted_parallel = max(0.8, 0.8)",
    "q01_when": (
        "speeds_up = {}\n"
        'for task in ["translate", "lookups"]:\n'
        "    speeds_up[task] = True  # waiting on I/O\n"
        'for task in ["pipeline", "hashing"]:\n'
        "    speeds_up[task] = False"
    ),
    "q01_triage": (
        "summary_prompt = ChatPromptTemplate.from_template(\n"
        '    "Summarise this support ticket in one line.\\n\\n{text}"\n'
        ")\n"
        "keyword_prompt = ChatPromptTemplate.from_template(\n"
        '    "List three keywords from this support ticket.\\n\\n{text}"\n'
        ")\n"
        'summary_model = pc.get_chat_model("summary", latency=0.3)\n'
        'keywords_model = pc.get_chat_model("keywords", latency=0.3)\n'
        "ticket_card = RunnableParallel(\n"
        '    id=RunnableLambda(lambda ticket: ticket["id"]),\n'
        "    summary=summary_prompt | summary_model | StrOutputParser(),\n"
        "    keywords=keyword_prompt | keywords_model | StrOutputParser(),\n"
        ")\n"
        'records = [t for t in pc.load_tickets().to_dict("records") if t["priority"] == "high"]\n'
        "rows = []\n"
        "for card in ticket_card.batch(records):\n"
        "    rows.append(card)\n"
        'triage = pd.DataFrame(rows, columns=["id", "summary", "keywords"])'
    ),
}
# Carol's answers with every name changed: what a copier does first
RENAMES = {"format_line": "show", "parts": "result", "count": "n", "summary_prompt": "p1", "keyword_prompt": "p2",
           "summary_model": "m1", "keywords_model": "m2", "records": "urgent_ones", "rows": "out", "card": "c",
           "task": "name"}  # fmt: skip


def renamed(code: dict[str, str]) -> dict[str, str]:
    pattern = re.compile(r"\b(" + "|".join(RENAMES) + r")\b(?![\"'])")
    return {q: pattern.sub(lambda m: RENAMES[m.group(1)], source) for q, source in code.items()}


def retouched(code: dict[str, str]) -> dict[str, str]:
    """A near-copy: a comment added, spacing changed (blank lines, spaces, one line joined)."""
    out = {q: source.replace(" = ", "  =  ").replace("\n\n", "\n\n\n") for q, source in code.items()}
    out["q01_triage"] = "# my own solution\n" + out["q01_triage"].replace("(\n    ", "(").replace(",\n)", ")")
    return out


def solution() -> dict[str, str]:
    """The solution's code without otter's markup (its prompts, its SOLUTION comments)."""
    prompt, markers = (
        re.compile(r'""" # BEGIN PROMPT.*?""" # END PROMPT\n', re.S),
        re.compile(r"^# (BEGIN|END) .*\n", re.M),
    )
    return {q: markers.sub("", prompt.sub("", code)) for q, code in answers().items()}


COPIES = {frozenset(("alice", "bob")), frozenset(("carol", "dave"))}


def write_class(folder: Path) -> None:
    """Seven students: alice and bob (a near-copy), carol and dave (renamed), erin (the solution), frank (the
    wrong answers, written from the solution), grace (untouched)."""
    for student, code in {
        "alice": ALICE, "bob": retouched(ALICE), "carol": CAROL, "dave": renamed(CAROL),
        "erin": solution(), "frank": wrong(), "grace": {},
    }.items():  # fmt: skip
        write(answered(code, learner()), folder, student)

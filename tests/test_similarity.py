"""The similarity report (course_tools.grading.similarity) on a class of notebook 01: planted copies are
flagged, honest pairs are not, an untouched notebook pairs with nothing, hostile names and code are escaped.

Text only: no grader run, no kernel."""

import csv
import re

import pytest
from grading_support import answered, answers, learner, write, wrong

from course_tools.grading import similarity
from course_tools.grading.reports import csv_value

TEMPLATES = similarity.ROOT / "notebooks"

# The learners' own answers, written independently of each other and of the solution.
ALICE = {
    "q01_quiz": 'quiz_answers = {1: "b", 2: "c", 3: "a", 4: "b", 5: "c", 6: "a"}',
    "q01_ticket_line": (
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


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A class of eight, the report on it; {frozenset of two students: csv row}, the html."""
    tmp = tmp_path_factory.mktemp("similarity")
    subs, out = tmp / "subs", tmp / "out"
    for student, code in {
        "alice": ALICE, "bob": retouched(ALICE), "carol": CAROL, "dave": renamed(CAROL),
        "erin": solution(), "frank": wrong(), "grace": {}
    }.items():  # fmt: skip
        write(answered(code, learner()), subs, student)
    rows = similarity.similarity_report(subs, out, TEMPLATES)
    with open(out / "similarity.csv", newline="") as f:
        assert list(csv.DictReader(f)) == rows
    return {frozenset((r["student_a"], r["student_b"])): r for r in rows}, (out / "similarity.html").read_text()


COPIES = {frozenset(("alice", "bob")), frozenset(("carol", "dave"))}


def test_copies_are_flagged_and_honest_pairs_are_not(report):
    rows, _ = report
    assert len(rows) == 21  # every pair of seven students
    assert {pair for pair, row in rows.items() if row["flagged"] == "yes"} == COPIES
    for pair in COPIES:  # comments, spacing and names do not hide a copy
        assert float(rows[pair]["similarity"]) >= 0.9, rows[pair]
        assert rows[pair]["questions"] == "q01_predict q01_quiz q01_ticket_line q01_triage q01_when"
    honest = [row for pair, row in rows.items() if pair not in COPIES]
    assert max(float(r["similarity"]) for r in honest) < similarity.THRESHOLD - 0.05
    # written independently: well below; the wrong answers were written from the solution (erin), and show it
    derived = frozenset(("erin", "frank"))
    assert max(float(r["similarity"]) for pair, r in rows.items() if pair not in COPIES | {derived}) < 0.25


def test_an_untouched_notebook_pairs_with_nothing(report):
    rows, _ = report
    untouched = [row for pair, row in rows.items() if "grace" in pair]
    assert len(untouched) == 6
    assert all(r["similarity"] == "0.000" and r["questions"] == "" for r in untouched)


def test_the_html_shows_the_flagged_pairs_side_by_side(report):
    _, page = report
    assert page.count('<tr class="pair">') == 2 and page.count("<section") == 2
    assert "erin" not in page and "grace" not in page
    first, second = page.split('<section id="pair-2">')
    assert '<section id="pair-1">' in first
    for section, students in ((first, ("alice", "bob")), (second, ("carol", "dave"))):
        assert all(s in section for s in students)
        assert section.count('<td class="cells">') == 10  # five questions, two students
        assert "<mark>" in section
    assert "# my own solution" in page and "urgent_ones" in page  # each student's own text, escaped
    assert "http" not in page.replace("http-equiv", "")  # self-contained


def test_hostile_names_and_code_are_escaped(tmp_path, capsys):
    """A student named like a formula, one like a script, answers that close the page's tags: all text."""
    hostile = dict(CAROL, q01_triage=CAROL["q01_triage"] + '\nnote = "</pre></td><script>alert(1)</script>"')
    names = ['=HYPERLINK("evil.example","x")', "<script>alert(2)", "carol"]  # folder names: no "/"
    for name, code in zip(names, (hostile, renamed(hostile), ALICE), strict=True):
        write(answered(code, learner()), tmp_path / "subs", name)
    assert similarity.main([str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--templates", str(TEMPLATES)]) == 0
    assert "1 of 3 pair(s) at or above 50%" in capsys.readouterr().out
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert "<script" not in page.lower() and "</td><script" not in page
    assert "&lt;script&gt;alert(2)" in page and "&lt;/pre&gt;&lt;/td&gt;&lt;script&gt;" in page
    text = (tmp_path / "out" / "similarity.csv").read_text()
    assert "'=HYPERLINK" in text and ',"=' not in text and "\n=" not in text
    with open(tmp_path / "out" / "similarity.csv", newline="") as f:
        flagged = [r for r in csv.DictReader(f) if r["flagged"] == "yes"]
    assert {csv_value(flagged[0]["student_a"]), csv_value(flagged[0]["student_b"])} == set(names[:2])


def test_a_failure_after_grading_is_a_line_on_stderr(tmp_path, capsys):
    similarity.after_grading(tmp_path / "missing", tmp_path / "out", TEMPLATES)
    err = capsys.readouterr().err
    assert err.startswith("similarity report not written: FileNotFoundError") and err.count("\n") == 1

"""Plausible wrong answers to notebook 02's exercises: each must fail its check (the targeted misconception first)."""

_FACTS = (
    "ticket_facts = RunnableParallel(\n"
    '    text={text},\n'
    '    words={words},\n'
    '    channel=itemgetter("channel"),\n'
    "    queue={queue},\n"
    "    ticket=RunnablePassthrough(),\n"
    ")"
)
_FACTS_RIGHT = {"text": 'itemgetter("text")', "words": 'lambda t: len(t["text"].split())',
                "queue": 'RunnableLambda(lambda _: "support-tier-1")'}
_ROUTE = (
    '{"words": lambda d: word_count(d["text"]),'
    ' "route": lambda d: f"{d[\'meta\'][\'queue\']}/{d[\'meta\'][\'channel\']}"}'
)

WRONG = {
    # any six class names pass (the cell under the check sets them beside the classes built, and grading
    # compares them): only predictions that cannot be compared fail
    "q02_spellings": [
        # the classes themselves, not their names
        (
            "predicted = {\n"
            '    "keywords": RunnableParallel,\n'
            '    "dict_then_runnable": RunnableSequence,\n'
            '    "runnable_then_dict": RunnableSequence,\n'
            '    "dict_then_dict": RunnableSequence,\n'
            '    "map": RunnableMap,\n'
            '    "branch": RunnableLambda,\n'
            "}"
        ),
        # names written as the import path, or as a call
        (
            "predicted = {\n"
            '    "keywords": "langchain_core.runnables.RunnableParallel",\n'
            '    "dict_then_runnable": "RunnableSequence()",\n'
            '    "runnable_then_dict": "RunnableSequence",\n'
            '    "dict_then_dict": "dict",\n'
            '    "map": "RunnableParallel",\n'
            '    "branch": "RunnableLambda",\n'
            "}"
        ),
        # an expression left out
        (
            "predicted = {\n"
            '    "keywords": "RunnableParallel",\n'
            '    "dict_then_runnable": "RunnableSequence",\n'
            '    "runnable_then_dict": "RunnableSequence",\n'
            '    "map": "RunnableParallel",\n'
            '    "branch": "RunnableLambda",\n'
            "}"
        ),
    ],
    "q02_ticket_facts": [
        # the constant "wrapped" in a lambda of no argument: it builds, and fails on the first call
        _FACTS.format(**{**_FACTS_RIGHT, "queue": 'lambda: "support-tier-1"'}),
        # the constant "wrapped" in a passthrough, which returns the ticket instead
        _FACTS.format(**{**_FACTS_RIGHT, "queue": "RunnablePassthrough()"}),
        # characters counted, not words
        _FACTS.format(**{**_FACTS_RIGHT, "words": 'lambda t: len(t["text"])'}),
        # the ticket read as an object, not as a dict
        _FACTS.format(**{**_FACTS_RIGHT, "text": "lambda t: t.text"}),
        # the whole ticket passed through as its text
        _FACTS.format(**{**_FACTS_RIGHT, "text": "RunnablePassthrough()"}),
    ],
    "q02_router": [
        # the dict union fixed, the constant "wrapped" in a lambda of no argument: fails on the first call
        (
            "router = RunnableParallel(\n"
            '    text=itemgetter("text"),\n'
            '    meta={"queue": lambda: "support-tier-1", "channel": itemgetter("channel")},\n'
            ") | " + _ROUTE
        ),
        # the constant fixed, both sides of | still dicts: Python merges them into a plain dict
        (
            'router = {"text": itemgetter("text"),\n'
            '          "meta": {"queue": lambda _: "support-tier-1", "channel": itemgetter("channel")}} | ' + _ROUTE
        ),
        # the queue looked up in the ticket, which has no such key
        (
            "router = RunnableParallel(\n"
            '    text=itemgetter("text"),\n'
            '    meta={"queue": itemgetter("queue"), "channel": itemgetter("channel")},\n'
            ") | " + _ROUTE
        ),
        # the route without its queue
        (
            "router = RunnableParallel(\n"
            '    text=itemgetter("text"),\n'
            '    meta={"queue": lambda _: "support-tier-1", "channel": itemgetter("channel")},\n'
            ') | {"words": lambda d: word_count(d["text"]), "route": lambda d: d["meta"]["channel"]}'
        ),
    ],
    # optional (Going deeper, 0 points)
    # the whole input passed through as the audience, where itemgetter picks out one key
    "q02_context_question": (
        "qa_chain = (\n"
        '    {"context": itemgetter("question") | RunnableLambda(find_reviews), "question": itemgetter("question"),\n'
        '     "audience": RunnablePassthrough()}\n'
        "    | audience_prompt\n"
        "    | echo_model\n"
        "    | StrOutputParser()\n"
        ")"
    ),
    # run_name and tags put on the whole card instead of its analysis part: ticket and facts get tagged too
    "q02_tagged_triage": (
        "tagged_triage = RunnableParallel(\n"
        "    ticket=RunnablePassthrough(),\n"
        '    facts={"words": ticket_words, "channel": itemgetter("channel")},\n'
        "    analysis=RunnableParallel(\n"
        "        team=team_chain, summary=ticket_summary_chain, keywords=ticket_keywords_chain\n"
        '    ).with_config(run_name="ticket_analysis"),\n'
        ').with_config(tags=["analysis"])'
    ),
    # a flat dict instead of the nested shape
    "q02_nested": (
        "ticket_profile = RunnableParallel(\n"
        '    id=itemgetter("id"), channel=itemgetter("channel"),\n'
        "    team=team_chain, summary=ticket_summary_chain,\n"
        ")"
    ),
    # a dict on both sides of `|` taken for a chain; the rest right
    "q02_quiz": 'quiz_answers = {1: "b", 2: "a", 3: "a", 4: "c", 5: "a", 6: "a", 7: "a"}',
}

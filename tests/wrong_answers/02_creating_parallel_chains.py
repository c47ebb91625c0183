"""Plausible wrong answers to notebook 02's exercises: each must fail its check."""

WRONG = {
    # a dict on both sides of `|` believed to chain like a runnable would, and RunnableMap taken for a class of its own
    "q02_spellings": (
        "predicted = {\n"
        '    "keywords": "RunnableParallel",\n'
        '    "dict_then_runnable": "RunnableSequence",\n'
        '    "runnable_then_dict": "RunnableSequence",\n'
        '    "dict_then_dict": "RunnableSequence",\n'
        '    "map": "RunnableMap",\n'
        '    "branch": "RunnableLambda",\n'
        "}"
    ),
    # the constant "wrapped" in a passthrough, which returns the ticket instead
    "q02_ticket_facts": (
        "ticket_facts = RunnableParallel(\n"
        '    text=itemgetter("text"),\n'
        '    words=lambda t: len(t["text"].split()),\n'
        '    channel=itemgetter("channel"),\n'
        "    queue=RunnablePassthrough(),\n"
        "    ticket=RunnablePassthrough(),\n"
        ")"
    ),
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
    # the dict union fixed, the constant "wrapped" in a lambda of no argument: fails on the first call
    "q02_router": (
        "router = RunnableParallel(\n"
        '    text=itemgetter("text"),\n'
        '    meta={"queue": lambda: "support-tier-1", "channel": itemgetter("channel")},\n'
        ') | {"words": lambda d: word_count(d["text"]),\n'
        '   "route": lambda d: f"{d[\'meta\'][\'queue\']}/{d[\'meta\'][\'channel\']}"}'
    ),
    # a dict on both sides of `|` taken for a chain; the rest right
    "q02_quiz": 'quiz_answers = {1: "b", 2: "a", 3: "a", 4: "c", 5: "a", 6: "b", 7: "a"}',
}

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
    # the question picked with itemgetter although the input is a plain string
    "q02_context_question": (
        "qa_chain = (\n"
        '    {"context": find_reviews, "question": itemgetter("question")}\n'
        "    | qa_prompt\n"
        "    | echo_model\n"
        "    | StrOutputParser()\n"
        ")"
    ),
    # run_name and tags put on the whole parallel instead of the gist branch
    "q02_named_branches": (
        "traced_card = RunnableParallel(\n"
        "    mood=mood_chain, gist=gist_chain, topics=topics_chain,\n"
        ').with_config(run_name="gist_writer", tags=["slow-model"])'
    ),
    # a flat dict instead of the nested shape
    "q02_nested": (
        "ticket_profile = RunnableParallel(\n"
        '    id=itemgetter("id"), channel=itemgetter("channel"),\n'
        "    team=team_chain, summary=ticket_summary_chain,\n"
        ")"
    ),
}

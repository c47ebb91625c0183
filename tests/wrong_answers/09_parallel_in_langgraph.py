"""Plausible wrong answers to notebook 09's exercises: each must fail its check."""

WRONG = {
    # the branches ported, but the shared key has no reducer: the two nodes' updates collide
    "q09_port": (
        "class PortState(TypedDict):\n"
        "    review: str\n"
        "    results: dict\n"
        "port_builder = StateGraph(PortState)\n"
        "for key, chain in two_branches.items():\n"
        "    port_builder.add_node(key, as_node(key, chain))\n"
        "    port_builder.add_edge(START, key)\n"
        "ported = port_builder.compile()"
    ),
    # "everything starts at once, the slowest node decides": no superstep boundary at all
    "q09_predict": "predicted_steps = 1\npredicted_wall = 0.8",
    # a reducer that keeps only the latest vote: no error, but two votes are lost
    "q09_raises": (
        "class FixedPanelState(TypedDict, total=False):\n"
        "    review: str\n"
        "    votes: Annotated[list, lambda old, new: new]"
    ),
    # the limit put under configurable, where nothing reads it
    "q09_limit": 'limited_config = {"configurable": {"max_concurrency": 4}}',
    # "the graph does everything", even three string functions of microseconds
    "q09_choose": (
        'tool_for = {"three_questions": "LangGraph", "resume": "LangGraph",'
        ' "per_chunk": "LangGraph", "tiny_branches": "LangGraph"}'
    ),
    # the RunnableParallel picture for question 1 (after_fast at once); the rest right
    "q09_quiz": 'quiz_answers = {1: "a", 2: "b", 3: "a", 4: "b", 5: "a", 6: "a", 7: "b", 8: "b"}',
}

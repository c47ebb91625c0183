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
}

"""Plausible wrong answers to notebook 09's exercises: each must fail its check."""

WRONG = {
    "q09_port": [
        # the branches one after another: an edge from sentiment to keywords, as a chain would run them
        "port_builder = StateGraph(ReviewState)\n"
        "for key, chain in two_branches.items():\n"
        "    port_builder.add_node(key, as_node(key, chain))\n"
        "port_builder.add_edge(START, 'sentiment')\n"
        "port_builder.add_edge('sentiment', 'keywords')\n"
        "ported = port_builder.compile()",
        # the branches ported, but the shared key has no reducer: the two nodes' updates collide
        "class PortState(TypedDict):\n"
        "    review: str\n"
        "    results: dict\n"
        "port_builder = StateGraph(PortState)\n"
        "for key, chain in two_branches.items():\n"
        "    port_builder.add_node(key, as_node(key, chain))\n"
        "    port_builder.add_edge(START, key)\n"
        "ported = port_builder.compile()",
        # the whole parallel wrapped in one node: it runs, but the graph has no branch nodes
        "port_builder = StateGraph(ReviewState)\n"
        "port_builder.add_node('both', lambda state: {'results': two_questions.invoke({'review': state['review']})})\n"
        "port_builder.add_edge(START, 'both')\n"
        "ported = port_builder.compile()",
        # forgot to compile: the builder itself
        "ported = StateGraph(ReviewState)\n"
        "for key, chain in two_branches.items():\n"
        "    ported.add_node(key, as_node(key, chain))\n"
        "    ported.add_edge(START, key)",
    ],
    # any well-formed prediction passes: only predictions that are not numbers fail
    "q09_predict": [
        'predicted_steps = "3"\npredicted_wall = 1.4',  # a number as text
        'predicted_steps = 3\npredicted_wall = "1.4 s"',  # a unit in the number
        "predicted_steps = 3.0\npredicted_wall = 1.4",  # steps are whole
        "predicted_steps = 0\npredicted_wall = 0.0",  # "no steps: it all runs at once"
    ],
    "q09_raises": [
        # a reducer that keeps only the latest vote: no error, but two votes are lost
        "class FixedPanelState(TypedDict, total=False):\n"
        "    review: str\n"
        "    votes: Annotated[list, lambda old, new: new]",
        # the same schema again: no reducer, the same InvalidUpdateError
        "class FixedPanelState(TypedDict, total=False):\n"
        "    review: str\n"
        "    votes: list",
        # dict's merge on lists: a reducer, of the wrong kind
        "class FixedPanelState(TypedDict, total=False):\n"
        "    review: str\n"
        "    votes: Annotated[list, operator.or_]",
    ],
    # the limit put under configurable, where nothing reads it
    "q09_limit": 'limited_config = {"configurable": {"max_concurrency": 4}}',
    # "the graph does everything", even three string functions of microseconds
    "q09_choose": (
        'tool_for = {"three_questions": "LangGraph", "resume": "LangGraph",'
        ' "per_chunk": "LangGraph", "tiny_branches": "LangGraph"}'
    ),
    # the RunnableParallel picture for question 1 (after_fast at once); the rest right
    "q09_quiz": 'quiz_answers = {1: "a", 2: "b", 3: "a", 4: "a", 5: "b"}',
}

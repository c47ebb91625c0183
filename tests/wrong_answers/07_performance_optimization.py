"""Plausible wrong answers to notebook 07's exercises: each must fail its check."""

WRONG = {
    # Amdahl's ceiling, not whole calls: the parallel step taken for 3x
    "q07_quiz": 'quiz_answers = {1: "b", 2: "a", 3: "b", 4: "c", 5: "b", 6: "a", 7: "c"}',
    # Amdahl's even split: the work shared out as if calls could be cut into pieces
    "q07_predict_wall": (
        "def predict_wall(before, latencies, after, max_concurrency):\n"
        "    workers = max_concurrency or pc.default_pool_size()\n"
        "    return before + sum(latencies) / workers + after"
    ),
    # everything fused into one function: one run, but the two model calls now wait for each other
    "q07_fuse": (
        "def triage_all(inputs):\n"
        "    return {'category': ask_category.invoke(inputs), 'priority': ask_priority.invoke(inputs),\n"
        "            'checks': {name: check(inputs['ticket']) for name, check in CHECKS.items()}}\n"
        "\n"
        "lean_triage = RunnableLambda(triage_all)"
    ),
    # "each call is fast 99 % of the time, so the run is too"
    "q07_tail": (
        "def all_within(p_single, n):\n"
        "    return p_single\n"
        "\n"
        "def max_branches(p_single, target):\n"
        "    return 100 if p_single >= target else 0"
    ),
    # a wall time in course-seconds (two waves of 0.3), not a count of calls in flight
    "q07_nested_cap": "peak_pair = 0.6\npeak_quad = 0.6",
    # an async wrapper around the blocking call: it blocks the event loop, so the deadline cannot fire
    "q07_deadline_fix": (
        "async def lookup_order(inputs):\n"
        "    return orders.lookup(inputs['ticket'])\n"
        "\n"
        "fixed_enrich = RunnableParallel(\n"
        "    category=ask_category,\n"
        "    order=with_deadline(RunnableLambda(lookup_order), 0.4, 'no order yet'),\n"
        ")"
    ),
}

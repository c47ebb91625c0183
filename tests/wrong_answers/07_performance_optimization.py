"""Plausible wrong answers to notebook 07's exercises: each must fail its check, the targeted misconception first."""

WRONG = {
    "q07_quiz": [
        # Amdahl's ceiling taken for whole calls: 3x, where calls that cannot be cut give 2x
        'quiz_answers = {1: "b", 2: "a", 3: "b", 4: "c", 5: "b", 6: "a"}',
        # more workers past the knee taken for speed, and the deadline taken for stopping a thread
        'quiz_answers = {1: "c", 2: "b", 3: "b", 4: "c", 5: "a", 6: "a"}',
        # parallel as a cure-all: faster for microseconds, a typical call's time, cheaper
        'quiz_answers = {1: "c", 2: "a", 3: "a", 4: "a", 5: "b", 6: "b"}',
    ],
    "q07_fuse": [
        # everything fused into one function: one run, but the two model calls now wait for each other
        "def triage_all(inputs):\n"
        "    return {'category': (ask_category | StrOutputParser()).invoke(inputs),\n"
        "            'priority': (ask_priority | StrOutputParser()).invoke(inputs),\n"
        "            'checks': {name: check(inputs['ticket']) for name, check in CHECKS.items()}}\n"
        "\n"
        "lean_triage = RunnableLambda(triage_all)",
        # the checks grouped under one key, but still a branch each: a parallel inside the parallel
        "lean_triage = RunnableParallel(\n"
        "    category=ask_category | StrOutputParser(),\n"
        "    priority=ask_priority | StrOutputParser(),\n"
        "    checks=RunnableParallel({name: (lambda inputs, check=check: check(inputs['ticket']))\n"
        "                             for name, check in CHECKS.items()}),\n"
        ")",
        # one run for the checks, but their values in a list: the names are lost
        "lean_triage = RunnableParallel(\n"
        "    category=ask_category | StrOutputParser(),\n"
        "    priority=ask_priority | StrOutputParser(),\n"
        "    checks=RunnableLambda(lambda inputs: [check(inputs['ticket']) for check in CHECKS.values()]),\n"
        ")",
        # the two model calls chained in one branch: one output key, the calls one after the other
        "lean_triage = RunnableParallel(\n"
        "    category=ask_category | StrOutputParser(),\n"
        "    checks=RunnableLambda(lambda inputs: {n: c(inputs['ticket']) for n, c in CHECKS.items()}),\n"
        ")",
    ],
    "q07_nested_cap": [
        # a wall time in course-seconds (two waves of 0.3), not a count of calls in flight
        "peak_pair = 0.6\npeak_quad = 0.6",
        # counts written as text
        'peak_pair = "6"\npeak_quad = "9"',
        # more calls in flight than the batch makes (6 tickets x 3 threads for the pair)
        "peak_pair = 18\npeak_quad = 18",
    ],
    "q07_deadline_fix": [
        # the sync lookup kept, only renamed: the deadline answers on time, the thread runs on
        "def lookup_order(inputs):\n"
        "    return orders.lookup(inputs['ticket'])\n"
        "\n"
        "fixed_enrich = RunnableParallel(\n"
        "    category=ask_category | StrOutputParser(),\n"
        "    order=with_deadline(RunnableLambda(lookup_order), 0.4, 'no order yet'),\n"
        ")",
        # an async wrapper around the blocking call: it blocks the event loop, so the deadline cannot fire
        "async def lookup_order(inputs):\n"
        "    return orders.lookup(inputs['ticket'])\n"
        "\n"
        "fixed_enrich = RunnableParallel(\n"
        "    category=ask_category | StrOutputParser(),\n"
        "    order=with_deadline(RunnableLambda(lookup_order), 0.4, 'no order yet'),\n"
        ")",
        # a sync function that returns the async lookup's coroutine: nothing awaits it inside the deadline
        "fixed_enrich = RunnableParallel(\n"
        "    category=ask_category | StrOutputParser(),\n"
        "    order=with_deadline(RunnableLambda(lambda inputs: orders.alookup(inputs['ticket'])), 0.4,\n"
        "                        'no order yet'),\n"
        ")",
        # the async lookup without the deadline: it stops nothing because nothing cuts it
        "async def lookup_order(inputs):\n"
        "    return await orders.alookup(inputs['ticket'])\n"
        "\n"
        "fixed_enrich = RunnableParallel(category=ask_category | StrOutputParser(),\n"
        "                                order=RunnableLambda(lookup_order))",
    ],
    # optional practice (0 points): Amdahl's even split, the work shared out as if calls could be cut
    "q07_predict_wall": (
        "def predict_wall(before, latencies, after, max_concurrency):\n"
        "    workers = max_concurrency or pc.default_pool_size()\n"
        "    return before + sum(latencies) / workers + after"
    ),
    # optional practice (0 points): "each call is fast 99 % of the time, so the run is too"
    "q07_tail": (
        "def all_within(p_single, n):\n"
        "    return p_single\n"
        "\n"
        "def max_branches(p_single, target):\n"
        "    return 100 if p_single >= target else 0"
    ),
}

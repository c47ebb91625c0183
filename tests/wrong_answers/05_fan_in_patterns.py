"""Plausible wrong answers to notebook 05's exercises: each must fail its check (the targeted misconception first)."""

JURY5 = "jury5 = RunnableParallel({name: model | StrOutputParser() for name, model in five_judges.items()}) | majority"

WRONG = {
    "q05_vote": [
        # a plain most_common: None counts as a vote, ties are not detected
        "def majority(votes):\n"
        "    return Counter(votes.values()).most_common(1)[0][0]\n"
        "\n" + JURY5,
        # the missing answers dropped, but a tie still goes to the label counted first
        "def majority(votes):\n"
        "    ranked = Counter(v for v in votes.values() if v is not None).most_common()\n"
        "    return ranked[0][0] if ranked else 'undecided'\n"
        "\n" + JURY5,
        # the judges' messages handed to majority as they are: no parser after each model
        "def majority(votes):\n"
        "    ranked = Counter(v for v in votes.values() if v is not None).most_common()\n"
        "    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):\n"
        "        return 'undecided'\n"
        "    return ranked[0][0]\n"
        "\n"
        "jury5 = RunnableParallel(five_judges) | majority",
        # the three-judge jury of the Concepts, not the five judges asked for
        "def majority(votes):\n"
        "    ranked = Counter(v for v in votes.values() if v is not None).most_common()\n"
        "    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):\n"
        "        return 'undecided'\n"
        "    return ranked[0][0]\n"
        "\n"
        "jury5 = RunnableParallel({name: model | StrOutputParser() for name, model in judges.items()}) | majority",
    ],
    "q05_mapreduce": [
        # a Python for loop of invoke inside a lambda: one call per chunk, but one after another
        (
            "keyword_digest = (\n"
            "    RunnableLambda(chunks)\n"
            "    | RunnableLambda(lambda parts: [chunk_keywords.invoke(part).content for part in parts])\n"
            "    | RunnableLambda(lambda answers: top_keywords([a.split(', ') for a in answers]))\n"
            ")"
        ),
        # the answers are reduced as strings, not as lists of words
        (
            "keyword_digest = (\n"
            "    RunnableLambda(chunks)\n"
            "    | (chunk_keywords | StrOutputParser()).map()\n"
            "    | RunnableLambda(top_keywords)\n"
            ")"
        ),
        # the broken chain kept, its reducer fixed: one call for the whole list of chunks
        (
            "keyword_digest = (\n"
            "    RunnableLambda(chunks)\n"
            "    | chunk_keywords\n"
            "    | StrOutputParser()\n"
            "    | RunnableLambda(lambda answer: top_keywords([answer.split(', ')]))\n"
            ")"
        ),
        # a batch held to one call at a time "to be safe": mapped, but not in parallel
        (
            "keyword_digest = (\n"
            "    RunnableLambda(chunks)\n"
            "    | RunnableLambda(\n"
            "        lambda parts: (chunk_keywords | StrOutputParser()).batch(parts, config={'max_concurrency': 1})\n"
            "    )\n"
            "    | RunnableLambda(lambda answers: top_keywords([a.split(', ') for a in answers]))\n"
            ")"
        ),
    ],
    "q05_arrivals": [
        # 1-based positions, as if inputs were numbered from 1
        "predicted_order = [2, 4, 1, 5, 3]\npredicted_calls = 1\npredicted_exit = 0.2",
        # the latencies in order of arrival, not the inputs' indices
        "predicted_order = [0.2, 0.4, 0.6, 0.8, 1.0]\npredicted_calls = 5\npredicted_exit = 1.0",
        # the exit in milliseconds of course time, not in course-seconds
        "predicted_order = [1, 3, 0, 4, 2]\npredicted_calls = 5\npredicted_exit = 1000",
    ],
    # a believed tie-break: two judges fooled together are outvoted by the third
    "q05_quiz": 'quiz_answers = {1: "c", 2: "b", 3: "b", 4: "b", 5: "a"}',
    # optional practice: sentiment left in lower case
    "q05_line": (
        "report_line = analysis | (\n"
        "    lambda r: f\"{r['sentiment']} | {len(r['keywords'].split(', '))} keywords | {r['summary']}\"\n"
        ")"
    ),
    # optional practice: the best score wins, the length rule is ignored
    "q05_best": (
        "def pick_shortest(out):\n"
        "    candidates = {name: text for name, text in out.items() if name != 'article'}\n"
        "    return max(candidates, key=lambda name: score(candidates[name], out['article']))"
    ),
}

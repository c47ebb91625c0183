"""Plausible wrong answers to notebook 05's exercises: each must fail its check (the targeted misconception first)."""

WRONG = {
    # sentiment left in lower case
    "q05_line": (
        "report_line = analysis | (\n"
        "    lambda r: f\"{r['sentiment']} | {len(r['keywords'].split(', '))} keywords | {r['summary']}\"\n"
        ")"
    ),
    # a plain most_common: None counts as a vote, ties are not detected
    "q05_vote": (
        "def majority(votes):\n"
        "    return Counter(votes.values()).most_common(1)[0][0]\n"
        "\n"
        "jury5 = RunnableParallel({name: model | StrOutputParser() for name, model in five_judges.items()}) | majority"
    ),
    # the best score wins: the length rule is ignored
    "q05_best": (
        "def pick_shortest(out):\n"
        "    candidates = {name: text for name, text in out.items() if name != 'article'}\n"
        "    return max(candidates, key=lambda name: score(candidates[name], out['article']))"
    ),
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
    # a believed tie-break: two judges fooled together are outvoted by the third
    "q05_quiz": 'quiz_answers = {1: "c", 2: "b", 3: "b", 4: "c", 5: "b", 6: "a", 7: "c"}',
    # 1-based positions, as if inputs were numbered from 1
    "q05_arrivals": "predicted_order = [2, 4, 1, 5, 3]\npredicted_calls = 1\npredicted_exit = 0.2",
}

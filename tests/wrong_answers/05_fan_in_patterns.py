"""Plausible wrong answers to notebook 05's exercises: each must fail its check."""

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
    # the answers are reduced as strings, not as lists of words
    "q05_mapreduce": (
        "keyword_digest = (\n"
        "    RunnableLambda(chunks)\n"
        "    | (chunk_keywords | StrOutputParser()).map()\n"
        "    | RunnableLambda(top_keywords)\n"
        ")"
    ),
    # a believed tie-break: two judges fooled together are outvoted by the third
    "q05_quiz": 'quiz_answers = {1: "c", 2: "b", 3: "b", 4: "c", 5: "b", 6: "a", 7: "c"}',
    # 1-based positions, as if inputs were numbered from 1
    "q05_arrivals": "predicted_order = [2, 4, 1, 5, 3]\npredicted_calls = 1\npredicted_exit = 0.2",
}

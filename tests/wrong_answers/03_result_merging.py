"""Plausible wrong answers to notebook 03's exercises: each must fail its check (the targeted misconception first)."""

WRONG = {
    "q03_access": [
        # an itemgetter after the parallel: it runs as a plain function, so the headline no longer streams
        (
            'headline = analysis | itemgetter("summary")\n'
            'short_card = analysis.pick(["sentiment", "keywords"])'
        ),
        # plain lambdas after the parallel: right values, neither chain streams
        (
            'headline = analysis | (lambda r: r["summary"])\n'
            'short_card = analysis | (lambda r: {"sentiment": r["sentiment"], "keywords": r["keywords"]})'
        ),
        # .pick with a one-item list returns a dict, not the summary string
        (
            'headline = analysis.pick(["summary"])\n'
            'short_card = analysis.pick(["sentiment", "keywords"])'
        ),
        # the card filtered by a function: right keys, but it waits for the whole result
        (
            'headline = analysis.pick("summary")\n'
            'short_card = analysis | RunnableLambda(lambda r: {k: r[k] for k in ("sentiment", "keywords")})'
        ),
    ],
    # the quiz's itemgetter and .pick mixed up (question 1)
    "q03_quiz": 'quiz_answers = {1: "a", 2: "b", 3: "a", 4: "c", 5: "a", 6: "c", 7: "b"}',
    "q03_assign": [
        # one assign: agrees reads model_team through .get, but a branch cannot see its sibling's result (always False)
        (
            "second_opinion = RunnablePassthrough.assign(\n"
            '    model_team=team_chain, agrees=lambda t: t.get("model_team") == t["team"]\n'
            ")"
        ),
        # one assign, agrees reading model_team directly: the key is not there yet
        (
            "second_opinion = RunnablePassthrough.assign(\n"
            '    model_team=team_chain, agrees=lambda t: t["model_team"] == t["team"]\n'
            ")"
        ),
        # one assign for both keys, the model's team under the person's key: the person's team is overwritten
        (
            "second_opinion = RunnablePassthrough.assign(\n"
            '    team=team_chain, model_team=team_chain, agrees=lambda t: team_chain.invoke(t) == t["team"]\n'
            ")"
        ),
        # the second step returns only the new keys: the ticket's own keys are lost
        (
            "second_opinion = RunnablePassthrough.assign(model_team=team_chain) | (\n"
            '    lambda t: {"model_team": t["model_team"], "agrees": t["model_team"] == t["team"]}\n'
            ")"
        ),
    ],
    # both values believed kept when an assigned key collides; words counted on the shortened text
    "q03_assign_sees": (
        'predicted_keys = ["product", "review", "review", "words"]\n'
        'predicted_words = len((predict_row["review"][:40] + "...").split())'
    ),
    # the .pick typo fixed, but the team branch left as a message: its repr reaches the prompt
    "q03_fan_in": (
        "ticket_handoff = (\n"
        "    RunnableParallel(team=team_message, summary=ticket_summary_chain)\n"
        "    .assign(reply=handoff_prompt | handoff_model | StrOutputParser())\n"
        '    .pick(["team", "reply"])\n'
        ")"
    ),
    # the team message passed on as it is, not as text
    "q03_typed_merge": (
        "def to_ticket_card(d):\n"
        "    return TicketCard(\n"
        '        id=d["ticket"]["id"], priority=d["ticket"]["priority"],\n'
        '        team=d["team"], keywords=d["keywords"].split(","),\n'
        "    )\n"
        "\n"
        "ticket_card_chain = ticket_branches | RunnableLambda(to_ticket_card)"
    ),
    # chunks merged with dict.update: only the last chunk of each branch survives
    "q03_stream_merge": (
        "rebuilt = {}\n"
        "for chunk in review_stream:\n"
        "    rebuilt.update(chunk)\n"
        "chunks_per_branch = {key: 1 for key in rebuilt}"
    ),
    "q03_batch_frame": [
        # counts where shares are asked: the tickets routed right per category, not divided by its tickets
        (
            "report_table = pd.json_normalize(ticket_report.batch(ticket_records))\n"
            'team_accuracy = (report_table["analysis.team"] == report_table["ticket.category"])'
            '.groupby(report_table["ticket.category"]).sum()'
        ),
        # accuracy grouped by the predicted team instead of the labelled category
        (
            "report_table = pd.json_normalize(ticket_report.batch(ticket_records))\n"
            'team_accuracy = (report_table["analysis.team"] == report_table["ticket.category"])'
            '.groupby(report_table["analysis.team"]).mean()'
        ),
        # shares of all tickets, not of each category's own
        (
            "report_table = pd.json_normalize(ticket_report.batch(ticket_records))\n"
            'team_accuracy = (report_table["analysis.team"] == report_table["ticket.category"])'
            '.groupby(report_table["ticket.category"]).sum() / len(report_table)'
        ),
        # how the rightly routed tickets split over the categories, not each category's hit rate
        (
            "report_table = pd.json_normalize(ticket_report.batch(ticket_records))\n"
            'team_accuracy = report_table[report_table["analysis.team"] == report_table["ticket.category"]]'
            '["ticket.category"].value_counts(normalize=True)'
        ),
    ],
}

"""Plausible wrong answers to notebook 03's exercises: each must fail its check (the targeted misconception first)."""

WRONG = {
    "q03_access": [
        # an itemgetter after desk: it runs as a plain function, so the draft arrives in one piece at the end
        (
            'live_draft = desk | itemgetter("draft")\n'
            'badge = desk.pick(["id", "team"])'
        ),
        # plain lambdas after desk: right values, neither streams
        (
            'live_draft = desk | (lambda d: d["draft"])\n'
            'badge = desk | (lambda d: {"id": d["id"], "team": d["team"]})'
        ),
        # .pick with a one-item list returns a dict, not the draft string
        (
            'live_draft = desk.pick(["draft"])\n'
            'badge = desk.pick(["id", "team"])'
        ),
        # the badge filtered by a function: right keys, but it waits for the draft
        (
            'live_draft = desk.pick("draft")\n'
            'badge = desk | RunnableLambda(lambda d: {k: d[k] for k in ("id", "team")})'
        ),
        # the draft's own chain, not from desk: its prompt has no team to read
        (
            'live_draft = draft_chain\n'
            'badge = desk.pick(["id", "team"])'
        ),
    ],
    # the quiz's itemgetter and .pick mixed up (question 1)
    "q03_quiz": 'quiz_answers = {1: "a", 2: "b", 3: "a", 4: "c", 5: "a", 6: "b", 7: "a"}',
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
    "q03_assign_sees": [
        # both values believed kept when an assigned key collides: a dict cannot hold a key twice
        (
            'predicted_keys = ["product", "review", "review", "words"]\n'
            'predicted_words = len((predict_row["review"][:40] + "...").split())'
        ),
        # the keys as one string, not a list
        (
            'predicted_keys = "product, review, words"\n'
            'predicted_words = len(predict_row["review"].split())'
        ),
        # the word count as text
        (
            'predicted_keys = ["product", "review", "words"]\n'
            'predicted_words = str(len(predict_row["review"].split()))'
        ),
        # the keys as a set: no order
        (
            'predicted_keys = {"product", "review", "words"}\n'
            'predicted_words = len(predict_row["review"].split())'
        ),
    ],
    "q03_fan_in": [
        # the .pick typo fixed, but the team branch left as a message: its repr reaches the prompt
        (
            "ticket_handoff = (\n"
            "    RunnableParallel(team=team_message, summary=ticket_summary_chain)\n"
            "    .assign(reply=handoff_prompt | handoff_model | StrOutputParser())\n"
            '    .pick(["team", "reply"])\n'
            ")"
        ),
        # the team parsed, but the typo in .pick left: the team key is silently dropped
        (
            "ticket_handoff = (\n"
            "    RunnableParallel(team=team_chain, summary=ticket_summary_chain)\n"
            "    .assign(reply=handoff_prompt | handoff_model | StrOutputParser())\n"
            '    .pick(["tema", "reply"])\n'
            ")"
        ),
        # the reply left as the model's message: no parser after the hand-off model
        (
            "ticket_handoff = (\n"
            "    RunnableParallel(team=team_chain, summary=ticket_summary_chain)\n"
            "    .assign(reply=handoff_prompt | handoff_model)\n"
            '    .pick(["team", "reply"])\n'
            ")"
        ),
        # itemgetter with two keys: a tuple, not a dict
        (
            "ticket_handoff = (\n"
            "    RunnableParallel(team=team_chain, summary=ticket_summary_chain)\n"
            "    .assign(reply=handoff_prompt | handoff_model | StrOutputParser())\n"
            '    | itemgetter("team", "reply")\n'
            ")"
        ),
        # the summary branch named after the note: the prompt misses its summary variable
        (
            "ticket_handoff = (\n"
            "    RunnableParallel(team=team_chain, note=ticket_summary_chain)\n"
            "    .assign(reply=handoff_prompt | handoff_model | StrOutputParser())\n"
            '    .pick(["team", "reply"])\n'
            ")"
        ),
    ],
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

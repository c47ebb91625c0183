"""Plausible wrong answers to notebook 03's exercises: each must fail its check."""

WRONG = {
    # .pick with a one-item list returns a dict, not the summary string
    "q03_access": (
        'headline = analysis.pick(["summary"])\n'
        'short_card = analysis.pick(["sentiment", "keywords"])'
    ),
    # a RunnableParallel of the new keys drops the ticket's own; assign believed to keep a colliding key
    "q03_assign": (
        'enriched_ticket = RunnableParallel(team=team_chain, words=lambda t: len(t["text"].split()))\n'
        'predicted_collision = {"id": 7, "text": "hi"}'
    ),
    # the team branch left as a message: its repr reaches the prompt
    "q03_fan_in": (
        "ticket_reply = (\n"
        "    {\n"
        '        "team": ticket_prompt("Which team should handle this support ticket?")\n'
        '        | pc.get_chat_model("echo", fake=True, respond=TEAM_RULES, latency=0.2, name="team_rules"),\n'
        '        "summary": ticket_summary_chain,\n'
        "    }\n"
        "    | handoff_prompt | handoff_model | StrOutputParser()\n"
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
    # accuracy grouped by the predicted team instead of the labelled category
    "q03_batch_frame": (
        "report_table = pd.json_normalize(ticket_report.batch(ticket_records))\n"
        'team_accuracy = (report_table["analysis.team"] == report_table["ticket.category"])'
        '.groupby(report_table["analysis.team"]).mean()'
    ),
}

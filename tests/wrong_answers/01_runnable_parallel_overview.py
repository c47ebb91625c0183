"""Plausible wrong answers to notebook 01's exercises: each must fail its check."""

WRONG = {
    # the message turned into text with str(): the whole AIMessage repr lands in the line
    "q01_ticket_line": (
        "ticket_line = RunnableParallel(\n"
        "    keywords=keyword_model,\n"
        "    words=lambda text: len(text.split()),\n"
        ") | (lambda d: f\"{str(d['keywords']).upper()} ({d['words']} words)\")"
    ),
    # parallel time taken as the sum as well
    "q01_predict": "predicted_sequential = 1.6\npredicted_parallel = 1.6",
    # "parallel always helps": the dependent pipeline and the CPU-bound hashing too
    "q01_when": 'speeds_up = {"translate": True, "pipeline": True, "hashing": True, "lookups": True}',
    # the right card, run over every ticket: the priority filter forgotten
    "q01_triage": (
        "def ticket_chain(task, instruction):\n"
        '    prompt = ChatPromptTemplate.from_template(instruction + "\\n\\n{text}")\n'
        "    return prompt | pc.get_chat_model(task, latency=0.3) | StrOutputParser()\n"
        "ticket_card = RunnableParallel(\n"
        '    id=lambda ticket: ticket["id"],\n'
        '    summary=ticket_chain("summary", "Summarise this support ticket in one line."),\n'
        '    keywords=ticket_chain("keywords", "List three keywords from this support ticket."),\n'
        ")\n"
        'triage = pd.DataFrame(ticket_card.batch(pc.load_tickets().to_dict("records")))[["id", "summary", "keywords"]]'
    ),
    # the sequential time for the parallel run; the rest right
    "q01_quiz": 'quiz_answers = {1: "a", 2: "c", 3: "a", 4: "b", 5: "c", 6: "a"}',
}

"""Plausible wrong answers to notebook 01's exercises: each must fail its check (the targeted misconception first)."""

WRONG = {
    "q01_ticket_line": [
        # the message turned into text with str(): the whole AIMessage repr lands in the line
        (
            "ticket_line = RunnableParallel(\n"
            "    keywords=keyword_model,\n"
            "    words=lambda text: len(text.split()),\n"
            ") | (lambda d: f\"{str(d['keywords']).upper()} ({d['words']} words)\")"
        ),
        # the message formatted as it is, in an f-string: its repr, in lower case
        (
            "ticket_line = RunnableParallel(\n"
            "    keywords=keyword_model,\n"
            "    words=lambda text: len(text.split()),\n"
            ") | (lambda d: f\"{d['keywords']} ({d['words']} words)\")"
        ),
        # the parser added, the capitals forgotten
        (
            "ticket_line = RunnableParallel(\n"
            "    keywords=keyword_model | StrOutputParser(),\n"
            "    words=lambda text: len(text.split()),\n"
            ") | (lambda d: f\"{d['keywords']} ({d['words']} words)\")"
        ),
        # the broken chain handed in as it is: the message still reaches .upper()
        "ticket_line = broken_line",
        # the whole line in capitals, the word count's "words" too
        (
            "ticket_line = RunnableParallel(\n"
            "    keywords=keyword_model | StrOutputParser(),\n"
            "    words=lambda text: len(text.split()),\n"
            ") | (lambda d: f\"{d['keywords']} ({d['words']} words)\".upper())"
        ),
        # characters counted, not words
        (
            "ticket_line = RunnableParallel(\n"
            "    keywords=keyword_model | StrOutputParser(),\n"
            "    words=lambda text: len(text),\n"
            ") | (lambda d: f\"{d['keywords'].upper()} ({d['words']} words)\")"
        ),
    ],
    # any well-formed prediction passes (the measurement cell then sets it beside the measured times):
    # only predictions that cannot be compared fail
    "q01_predict": [
        # milliseconds where course-seconds are asked
        "predicted_sequential = 1600\npredicted_parallel = 800",
        # the unit written into the number, as text
        'predicted_sequential = "1.6 s"\npredicted_parallel = "0.8 s"',
        # the three latencies listed instead of one wall time
        "predicted_sequential = [0.3, 0.5, 0.8]\npredicted_parallel = 0.8",
        # a parallel run believed to take no time at all
        "predicted_sequential = 1.6\npredicted_parallel = 0",
    ],
    "q01_when": [
        # threads believed to speed up pure-Python work: the GIL runs one thread's Python at a time
        'speeds_up = {"translate": True, "pipeline": False, "hashing": True, "lookups": True}',
        # a pipeline whose steps each need the previous result believed to run at once
        'speeds_up = {"translate": True, "pipeline": True, "hashing": False, "lookups": True}',
        # "parallel always helps": the dependent pipeline and the CPU-bound hashing too
        'speeds_up = {"translate": True, "pipeline": True, "hashing": True, "lookups": True}',
        # only model calls believed to gain: web services wait on the network just the same
        'speeds_up = {"translate": True, "pipeline": False, "hashing": False, "lookups": False}',
    ],
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

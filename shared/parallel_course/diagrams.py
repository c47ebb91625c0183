"""Concept diagrams, drawn with matplotlib: ``pc.diagram(name)`` returns the figure.

Each drawing is a function registered under its name; it draws the model a lesson explains (the thread
pool and its waves, the event loop and its tasks, fan-out and fan-in shapes, where a failure travels).
"""

from collections.abc import Callable

from matplotlib.figure import Figure

from .figures import new_figure

DIAGRAMS: dict[str, Callable[[], Figure]] = {}


def _diagram(name: str):
    def register(draw: Callable[[], Figure]) -> Callable[[], Figure]:
        DIAGRAMS[name] = draw
        return draw

    return register


def diagram(name: str) -> Figure:
    """The concept diagram ``name`` (one of ``DIAGRAMS``)."""
    if name not in DIAGRAMS:
        raise ValueError(f"name: no diagram {name!r} (diagrams: {', '.join(sorted(DIAGRAMS)) or 'none'})")
    return DIAGRAMS[name]()


def _step_box(ax, x, y, w, h, label, color="#9ecae1", **text):
    """A labelled box with its lower-left corner at (x, y)."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.04", facecolor=color,
                                edgecolor="#333333", linewidth=0.8))
    ax.text(x + w / 2, y + h / 2, label, ha="center", va="center", fontsize=text.pop("fontsize", 8), **text)


@_diagram("langgraph_supersteps")
def _langgraph_supersteps() -> Figure:
    """Notebook 09: a graph runs in supersteps; a step's tasks (edges' nodes or Sends) run together, then every
    write is applied at a barrier, then the next step starts. A node after a fast one waits for the slow one."""
    fig = new_figure(9, 4.6)
    top, bottom = fig.subplots(2, 1, sharex=True)
    panels = [
        (top, "Edges: START -> fast -> after_fast, START -> slow",
         [(0, 0.0, 0.3, "fast"), (1, 0.0, 1.0, "slow"), (0, 1.0, 0.3, "after_fast")], 1.0),
        (bottom, 'Send: START returns [Send("summarise", chunk) for each chunk], then reduce',
         [(i, 0.0, d, f"summarise\nSend {i + 1}") for i, d in enumerate((0.7, 1.0, 0.8, 0.9))]
         + [(0, 1.0, 0.8, "reduce")], 1.0),
    ]
    for ax, title, tasks, barrier in panels:
        lanes = 1 + max(lane for lane, *_ in tasks)
        for lane, start, length, label in tasks:
            color = "#fdd0a2" if label.startswith(("after", "reduce")) else "#9ecae1"
            _step_box(ax, start, lanes - 1 - lane + 0.15, length, 0.7, label, color=color, fontsize=7)
        ax.axvline(barrier, color="#cb181d", linestyle="--", linewidth=1.2)
        ax.text(barrier, lanes + 0.1, "barrier: every write applied (reducers, in task order)",
                color="#cb181d", fontsize=7, va="bottom", ha="center")
        ax.text(0.02, -0.25, "superstep 1: every triggered task at once", fontsize=7, va="top", color="#08519c")
        ax.text(barrier + 0.02, -0.25, "superstep 2", fontsize=7, va="top", color="#a63603")
        ax.set_xlim(0, 2.0)
        ax.set_ylim(-0.6, lanes + 0.45)
        ax.set_yticks([])
        ax.set_title(title, fontsize=9, loc="left")
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
    top.plot([0.3, 1.0], [1.5, 1.5], color="#969696", linestyle=":", linewidth=2)
    top.text(0.65, 1.58, "after_fast waits for slow", fontsize=7, ha="center", va="bottom", color="#555555")
    bottom.set_xlabel("course-seconds (a step's tasks: threads for sync nodes under invoke, asyncio tasks for "
                      "async nodes; at most max_concurrency at once)", fontsize=8)
    return fig


@_diagram("support_desk_pipeline")
def _support_desk_pipeline() -> Figure:
    """Notebook 10: each ticket is classify and extract together, then draft, then check; tickets start one
    latency apart, so the calls in flight stay under the provider's cap; every call passes a semaphore and
    a rate limiter paced under the request and token rates; the digest maps and reduces the records."""
    fig = new_figure(9, 5)
    lanes_ax, flight_ax = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.2])
    tickets = 4
    steps = [(0, "classify", 0), (0, "extract", 1), (1, "draft", 0.5), (2, "check", 0.5)]
    colors = {"classify": "#9ecae1", "extract": "#9ecae1", "draft": "#c7e9c0", "check": "#fdd0a2"}
    for t in range(tickets):
        base = (tickets - 1 - t) * 1.2
        for phase, name, row in steps:
            _step_box(lanes_ax, t + phase + 0.03, base + row * 0.5 + 0.05, 0.94, 0.4, name, color=colors[name],
                 fontsize=7)
        lanes_ax.text(t - 0.08, base + 0.5, f"ticket {t + 1}", ha="right", va="center", fontsize=8)
    lanes_ax.annotate("", xy=(tickets + 2.3, 0.5), xytext=(tickets + 2.0, 0.5),
                      arrowprops={"arrowstyle": "->", "color": "#555555"})
    _step_box(lanes_ax, tickets + 2.35, 0.05, 0.9, 0.9, "digest:\nsummarize\n+ combine", color="#dadaeb", fontsize=7)
    _step_box(lanes_ax, 0.0, tickets * 1.2 + 0.1, tickets + 3.3, 0.55,
         "every call: semaphore (at most max_in_flight at once) -> rate limiter (under both rates) -> provider, "
         "retried on its own", color="#f0f0f0", fontsize=8)
    lanes_ax.set_ylim(-0.1, tickets * 1.2 + 0.75)
    lanes_ax.set_yticks([])
    lanes_ax.set_title("One ticket: classify and extract together, then draft, then check (critical path 3 calls)",
                       fontsize=9, loc="left")
    times = [x / 10 for x in range(0, 10 * (tickets + 2) + 1)]

    def in_flight(x):
        return sum(1 + (0 <= x - t < 1) for t in range(tickets) if 0 <= x - t < 3)

    flight_ax.step(times, [in_flight(x) for x in times], where="post", color="#08519c")
    flight_ax.axhline(4.5, color="#cb181d", linestyle="--", linewidth=1.2)
    flight_ax.text(tickets + 3.3, 4.6, "the provider's cap", color="#cb181d", fontsize=7, ha="right", va="bottom")
    flight_ax.set_ylim(0, 5.8)
    flight_ax.set_ylabel("calls in\nflight", fontsize=8)
    flight_ax.set_xlabel("latencies: a new ticket each latency keeps 4 calls busy (Little's law: 3 tickets "
                         "in flight, 4/3 calls each)", fontsize=8)
    flight_ax.set_xlim(-1.0, tickets + 3.4)
    for ax in (lanes_ax, flight_ax):
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)
    lanes_ax.spines["left"].set_visible(False)
    return fig


@_diagram("parallel_threads_and_tasks")
def _parallel_threads_and_tasks() -> Figure:
    """Notebook 01: one input fans out to three branches and fans in to a dict; invoke runs the branches on
    the threads of a pool made for the call, ainvoke as asyncio tasks on the event loop's one thread."""
    from matplotlib.patches import Rectangle

    fig = new_figure(10, 4.2)
    panels = fig.subplots(1, 2)
    for ax, title, lanes, note in (
        (panels[0], "invoke: a thread pool", ["thread 1", "thread 2", "thread 3"],
         "ThreadPoolExecutor made for the call;\nwaits for every future"),
        (panels[1], "ainvoke: an event loop", ["task 1", "task 2", "task 3"],
         "one thread; asyncio.gather\nawaits the three tasks"),
    ):
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 7)
        ax.axis("off")
        ax.set_title(title, fontsize=12)
        ax.text(1, 3.5, "input", ha="center", va="center", bbox={"boxstyle": "round", "fc": "#eeeeee"})
        ax.text(9, 3.5, "{a: ..., b: ...,\n c: ...}", ha="center", va="center",
                bbox={"boxstyle": "round", "fc": "#eeeeee"})
        if "thread" in lanes[0]:
            for y, lane, branch in zip((5.5, 3.5, 1.5), lanes, "abc", strict=True):
                ax.annotate("", (3.4, y), (1.6, 3.5), arrowprops={"arrowstyle": "->"})
                ax.text(5, y, f"{lane}: branch {branch}\n(waits for the model)", ha="center", va="center",
                        fontsize=9, bbox={"boxstyle": "square", "fc": "#cfe2f3"})
                ax.annotate("", (7.9, 3.5), (6.6, y), arrowprops={"arrowstyle": "->"})
        else:
            ax.add_patch(Rectangle((3.0, 1.1), 4.0, 5.3, fc="#fff2cc", ec="black"))
            ax.text(5, 6.1, "event loop thread", ha="center", va="center", fontsize=9)
            for y, lane, branch in zip((4.9, 3.5, 2.1), lanes, "abc", strict=True):
                ax.annotate("", (3.4, y), (1.6, 3.5), arrowprops={"arrowstyle": "->"})
                ax.text(5, y, f"{lane}: branch {branch}", ha="center", va="center", fontsize=9,
                        bbox={"boxstyle": "round", "fc": "#d9ead3"})
                ax.annotate("", (7.9, 3.5), (6.6, y), arrowprops={"arrowstyle": "->"})
        ax.text(5, 0.1, note, ha="center", va="bottom", fontsize=8, style="italic")
    fig.suptitle("Fan-out, wait together, fan-in: the wall time is the slowest branch", fontsize=11)
    return fig


@_diagram("where_a_dict_becomes_a_parallel")
def _where_a_dict_becomes_a_parallel() -> Figure:
    """Notebook 02: what each construction is coerced to: a dict next to a runnable in ``|`` or as a branch
    value becomes a RunnableParallel; a function or itemgetter a RunnableLambda; a constant is rejected;
    a dict on both sides of ``|`` stays a plain dict."""
    fig = new_figure(10, 4.4)
    ax = fig.subplots()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6.4)
    ax.axis("off")
    rows = [
        ("runnable | {...}   or   {...} | runnable", "RunnableParallel (a step of a RunnableSequence)", "#d9ead3"),
        ('RunnableParallel(a={...})   (a dict as a branch)', "nested RunnableParallel", "#d9ead3"),
        ("a function, a lambda, itemgetter(...)", "RunnableLambda", "#cfe2f3"),
        ("a runnable, RunnablePassthrough()", "kept as it is", "#cfe2f3"),
        ('a constant: "tier-1", 2', "TypeError when the parallel is built", "#f4cccc"),
        ("{...} | {...}   (no runnable next to |)", "a plain dict: Python's dict union", "#f4cccc"),
    ]
    ax.text(2.6, 6.1, "you write", ha="center", fontsize=11, weight="bold")
    ax.text(7.6, 6.1, "LangChain builds", ha="center", fontsize=11, weight="bold")
    ax.plot([0.2, 9.8], [5.85, 5.85], color="#999999", linewidth=0.8)
    ax.plot([0.2, 9.8], [1.15, 1.15], color="#999999", linewidth=0.8, linestyle="--")  # below: the pitfall of two dicts
    for k, (written, built, colour) in enumerate(rows):
        y = 5.3 - k * 0.95
        ax.text(2.6, y, written, ha="center", va="center", fontsize=9, family="monospace",
                bbox={"boxstyle": "square", "fc": "#eeeeee"})
        ax.annotate("", (5.6, y), (5.0, y), arrowprops={"arrowstyle": "->"})
        ax.text(7.6, y, built, ha="center", va="center", fontsize=9, bbox={"boxstyle": "round", "fc": colour})
    return fig


@_diagram("failure_paths")
def _failure_paths() -> Figure:
    """Where a branch's failure travels: invoke waits for the pool's exit, ainvoke raises at once and orphans the
    sibling, and cancelling the caller (``asyncio.wait_for``) cancels every async branch."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    fig = new_figure(10, 4.6)
    panels = fig.subplots(1, 3)
    titles = ["invoke: the pool's exit waits", "ainvoke: gather raises at once", "wait_for(ainvoke): cancel the caller"]
    red, grey, green, blue = "#d62728", "#7f7f7f", "#2ca02c", "#1f77b4"

    def bar(ax, y, x0, x1, color, label, hatch=None):
        ax.add_patch(Rectangle((x0, y - 0.18), x1 - x0, 0.36, facecolor=color, alpha=0.35, edgecolor=color,
                               hatch=hatch))
        ax.text(x0 + 0.05, y, label, va="center", fontsize=8)

    def line(ax, x, label, color=red, style="-"):
        ax.axvline(x, color=color, linestyle=style, linewidth=2)
        ax.text(x + 0.05, 2.55, label, color=color, fontsize=8, va="top")

    def arrow(ax, start, end, color=red):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color, linewidth=1.5))

    for ax, title in zip(panels, titles, strict=True):
        ax.set_xlim(0, 2.6)
        ax.set_ylim(-0.2, 2.7)
        ax.set_yticks([0.6, 1.5], ["sibling", "failing\nbranch"])
        ax.set_xticks([0, 0.5, 2.0], ["0", "fails", "sibling\ndone"])
        ax.set_title(title, fontsize=9)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    sync, asyn, cancel = panels
    bar(sync, 1.5, 0, 0.5, red, "error", hatch="//")
    bar(sync, 0.6, 0, 2.0, green, "answers (lost)")
    line(sync, 2.05, "raises")
    arrow(sync, (0.5, 1.5), (2.0, 1.1))
    sync.text(0.55, 1.95, "the error waits for\nthe pool's exit", fontsize=8, color=grey)

    bar(asyn, 1.5, 0, 0.5, red, "error", hatch="//")
    bar(asyn, 0.6, 0, 2.0, grey, "orphan: runs on")
    line(asyn, 0.55, "raises")
    asyn.text(0.6, 1.95, "gather does not\ncancel siblings", fontsize=8, color=grey)

    bar(cancel, 1.5, 0, 0.9, blue, "cancelled", hatch="//")
    bar(cancel, 0.6, 0, 0.9, blue, "cancelled", hatch="//")
    line(cancel, 0.9, "deadline", color=blue, style=":")
    cancel.text(1.0, 1.95, "wait_for cancels ainvoke,\nwhich cancels gather\nand every async branch\n"
                "(a sync function's\nthread runs on)", fontsize=8, color=grey, va="center")
    cancel.set_xticks([0, 0.9], ["0", "deadline"])
    return fig


@_diagram("deadline_cancels_tasks_not_threads")
def _deadline_cancels_tasks_not_threads() -> Figure:
    """Notebook 07: under ainvoke, asyncio.wait_for cancels a natively async branch at the deadline, but a sync
    function runs on an executor thread (run_in_executor) that cannot be cancelled: it runs on to its end."""
    fig = new_figure(9, 3.4)
    ax = fig.subplots()
    deadline, work = 0.4, 1.0
    lanes = [
        (2, "the caller", [(0, deadline, "await parallel.ainvoke(x)", "#dadaeb")]),
        (1, "async branch\n(a task on the event loop)", [(0, deadline, "await asyncio.sleep(1.0)", "#9ecae1")]),
        (0, "sync branch\n(run_in_executor: a thread)", [(0, work, "time.sleep(1.0): the thread runs on", "#fdd0a2")]),
    ]
    for row, label, boxes in lanes:
        for start, end, text, color in boxes:
            _step_box(ax, start, row + 0.15, end - start, 0.7, text, color=color, fontsize=7)
        ax.text(-0.03, row + 0.5, label, ha="right", va="center", fontsize=8)
    ax.plot([deadline, work], [1.5, 1.5], color="#969696", linestyle=":", linewidth=2)
    ax.text(deadline + 0.03, 1.62, "cancelled: the rest never runs", fontsize=7, color="#08519c", va="bottom")
    ax.text(deadline + 0.03, 2.5, "returns the defaults on time", fontsize=7, color="#555555", va="center")
    ax.text(work + 0.03, 0.5, "ends anyway:\nits side effects happen", fontsize=7, color="#a63603", va="center")
    ax.axvline(deadline, color="#cb181d", linestyle="--", linewidth=1.2)
    ax.text(deadline + 0.03, 3.05, "deadline: asyncio.wait_for cancels the task it awaits", color="#cb181d",
            fontsize=7, ha="left", va="bottom")
    ax.set_xlim(-0.02, 1.45)
    ax.set_ylim(-0.1, 3.35)
    ax.set_yticks([])
    ax.set_xlabel("course-seconds", fontsize=8)
    ax.set_title("A deadline cancels tasks, not threads", fontsize=9, loc="left")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    return fig


@_diagram("fan_out_shapes")
def _fan_out_shapes() -> Figure:
    """Notebook 04: the fan-out shapes. A broadcast sends one input to different chains; batch and .map() send
    many inputs through one chain; a dynamic fan-out builds its branches from the input at run time; a parallel
    inside a batch multiplies, inputs x branches calls at once."""
    fig = new_figure(10, 6.2)
    panels = fig.subplots(2, 2).ravel()
    titles = ["Broadcast: one input, different chains", "batch / .map(): many inputs, one chain",
              "Dynamic: the input decides the branches", "A parallel inside a batch: inputs x branches"]
    for ax, title in zip(panels, titles, strict=True):
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 6)
        ax.axis("off")
        ax.set_title(title, fontsize=10, loc="left")

    def arrow(ax, start, end):
        ax.annotate("", end, start, arrowprops={"arrowstyle": "->", "color": "#333333"})

    broadcast, batch, dynamic, nested = panels
    _step_box(broadcast, 0.2, 2.5, 1.6, 1.0, "ticket", color="#eeeeee")
    for y, (name, length) in zip((4.6, 2.6, 0.6), (("category", 1.5), ("summary", 2.5), ("reply", 4.5)),
                                 strict=True):
        arrow(broadcast, (1.8, 3.0), (2.4, y + 0.4))
        _step_box(broadcast, 2.4, y, length, 0.8, name, color="#9ecae1")
        arrow(broadcast, (2.4 + length, y + 0.4), (8.0, 3.0))
    _step_box(broadcast, 8.0, 2.3, 2.0, 1.4, "{category,\n summary,\n reply}", color="#eeeeee", fontsize=7)
    broadcast.text(5, 0.05, "wall time = the slowest branch", ha="center", fontsize=8, style="italic")

    for k in range(5):
        y = 4.9 - k * 1.05
        _step_box(batch, 0.2, y, 1.4, 0.7, f"input {k + 1}", color="#eeeeee", fontsize=7)
        start = 2.3 + (k // 3) * 2.7  # the 4th and 5th inputs wait for a free slot
        arrow(batch, (1.6, y + 0.35), (start, y + 0.35))
        _step_box(batch, start, y, 2.4, 0.7, "chain", color="#c7e9c0", fontsize=7)
        arrow(batch, (start + 2.4, y + 0.35), (7.9, y + 0.35))
        _step_box(batch, 7.9, y, 1.9, 0.7, f"output {k + 1}", color="#eeeeee", fontsize=7)
    batch.text(5, 0.05, "at most max_concurrency at once (here 3); waves and pool sizes: notebook 06",
               ha="center", fontsize=8, style="italic")

    _step_box(dynamic, 0.2, 2.5, 1.6, 1.0, "review", color="#eeeeee")
    arrow(dynamic, (1.8, 3.0), (2.4, 3.0))
    _step_box(dynamic, 2.4, 2.1, 2.8, 1.8, "RunnableLambda:\naspects_of(review)\n-> a new\nRunnableParallel",
              color="#fdd0a2", fontsize=7)
    for y, aspect in zip((4.6, 2.6, 0.6), ("battery", "sound", "price"), strict=True):
        arrow(dynamic, (5.2, 3.0), (5.5, y + 0.4))
        _step_box(dynamic, 5.5, y, 1.7, 0.8, aspect, color="#9ecae1", fontsize=8)
        arrow(dynamic, (7.2, y + 0.4), (8.0, 3.0))
    _step_box(dynamic, 8.0, 2.5, 1.8, 1.0, "one key\nper aspect", color="#eeeeee", fontsize=7)
    dynamic.text(5, 0.05, "a function that returns a runnable: LangChain runs it on the same input",
                 ha="center", fontsize=8, style="italic")

    for k in range(3):
        y = 4.3 - k * 1.9
        _step_box(nested, 0.2, y + 0.3, 1.4, 0.8, f"input {k + 1}", color="#eeeeee", fontsize=7)
        arrow(nested, (1.6, y + 0.7), (2.3, y + 0.7))
        for b in range(3):
            _step_box(nested, 2.3, y + 1.1 - b * 0.55, 3.6, 0.45, f"branch {'abc'[b]} (one call)",
                      color="#9ecae1", fontsize=6)
    nested.text(7.9, 3.0, "3 inputs\nx 3 branches\n= 9 calls\nin flight", ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "fc": "#fee0d2"})
    nested.text(5, 0.05, "each input's parallel opens its own pool: concurrency multiplies",
                ha="center", fontsize=8, style="italic")
    return fig


@_diagram("merging_a_parallel")
def _merging_a_parallel() -> Figure:
    """Notebook 03: what comes out of a parallel (a dict, each value as its branch returned it) and the ways to
    merge it: pick a key, keep the input, fan in to a prompt, a typed record, the chunks of a stream."""
    fig = new_figure(10, 5.2)
    ax = fig.subplots()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 7)
    ax.axis("off")
    _step_box(ax, 0.1, 2.4, 3.0, 2.2,
              "RunnableParallel output\n{\n sentiment: AIMessage,\n summary: str,\n stats: {words, chars}\n}",
              color="#eeeeee", fontsize=8, family="monospace")
    ax.text(1.6, 1.9, "keys = branch names\nvalues = as each branch returned", ha="center", va="top",
            fontsize=8, style="italic")
    rows = [
        (".pick(key) / .pick([...])", "the value (or a smaller dict); a typo gives None; streams", "#c7e9c0"),
        ("| itemgetter(key)", "the value; a typo raises KeyError; waits for the whole dict", "#c7e9c0"),
        ("RunnablePassthrough.assign(k=...)", "the input + new keys; a same-named key is overwritten", "#9ecae1"),
        ("| prompt | model", "fan-in: one call reads every result; parse messages first", "#fdd0a2"),
        ("| RunnableLambda(to_record)", "normalise, flatten, type (pydantic); odd answers -> 'unknown'", "#dadaeb"),
        ("stream(): one-key chunks", "interleaved; reduce(operator.add, chunks) adds them up",
         "#fee0d2"),
    ]
    for k, (how, what, colour) in enumerate(rows):
        y = 6.3 - k * 1.1
        ax.annotate("", (3.9, y), (3.1, 3.5), arrowprops={"arrowstyle": "->", "color": "#555555"})
        ax.text(3.95, y, how, ha="left", va="center", fontsize=8, family="monospace",
                bbox={"boxstyle": "round", "fc": colour})
        ax.text(6.75, y, what, ha="left", va="center", fontsize=7.5)
    ax.set_title("One dict out of a parallel, six ways to merge it", fontsize=11, loc="left")
    return fig


@_diagram("fan_in_as_completed")
def _fan_in_as_completed() -> Figure:
    """Notebook 05: batch hands back one list when the slowest input is done; batch_as_completed yields
    (index, output) as each input finishes; a break after the first leaves the other inputs running."""
    fig = new_figure(9, 4.4)
    top, bottom = fig.subplots(2, 1, sharex=True)
    latencies = [1.2, 0.3, 0.9, 0.6]
    for ax in (top, bottom):
        for i, length in enumerate(latencies):
            _step_box(ax, 0.0, len(latencies) - 1 - i + 0.15, length, 0.7, f"input {i}", fontsize=7)
        ax.set_ylim(-0.3, len(latencies) + 0.2)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
    top.axvline(max(latencies), color="#08519c", linestyle="--", linewidth=1.2)
    top.text(max(latencies) + 0.03, 2.0, "batch returns here:\n[out 0, out 1, out 2, out 3]\n(input order)",
             fontsize=8, va="center", color="#08519c")
    top.set_title("batch(inputs): one list, when the slowest input is done", fontsize=9, loc="left")
    for rank, i in enumerate(sorted(range(len(latencies)), key=latencies.__getitem__)):
        y = len(latencies) - 1 - i + 0.5
        bottom.plot([latencies[i]], [y], "o", color="#31a354")
        bottom.text(latencies[i] + 0.03, y, f"yield #{rank + 1}: ({i}, out {i})", fontsize=7, va="center",
                    color="#006d2c")
    bottom.axvline(min(latencies), color="#cb181d", linestyle=":", linewidth=1.2)
    bottom.set_ylim(-0.75, len(latencies) + 0.2)
    bottom.text(min(latencies) + 0.02, -0.7, "break after the first: the running inputs are not cancelled "
                "(sync: the loop waits for them; async: they finish in the background)",
                fontsize=7, color="#cb181d", va="bottom")
    bottom.set_title("batch_as_completed(inputs): (index, output) as each input finishes", fontsize=9, loc="left")
    bottom.set_xlim(0, 2.1)
    bottom.set_xlabel("course-seconds")
    return fig


@_diagram("thread_pool_waves")
def _thread_pool_waves() -> Figure:
    """Notebook 06: a pool of k threads runs N branches in waves of k, so the wall time is ceil(N / k)
    latencies; max_concurrency sets k for each pool, and every nested parallel or batch opens its own."""
    fig = new_figure(10, 4.2)
    waves_ax, nest_ax = fig.subplots(1, 2, width_ratios=[3, 2])
    threads, branches = 3, 8
    for b in range(branches):
        thread, wave = b % threads, b // threads
        _step_box(waves_ax, wave + 0.04, threads - 1 - thread + 0.15, 0.92, 0.7, f"branch {b + 1}", fontsize=7)
    for t in range(threads):
        waves_ax.text(-0.08, threads - 1 - t + 0.5, f"thread {t + 1}", ha="right", va="center", fontsize=8)
    for w in range(1, 4):
        waves_ax.axvline(w, color="#969696", linestyle="--", linewidth=0.8)
        waves_ax.text(w - 0.5, threads + 0.05, f"wave {w}", ha="center", va="bottom", fontsize=8)
    waves_ax.text(2.5, 0.5, "idle", ha="center", va="center", fontsize=7, color="#969696")
    waves_ax.set_xlim(-0.9, 3.1)
    waves_ax.set_ylim(-0.75, threads + 0.5)
    waves_ax.axis("off")
    waves_ax.set_title("8 branches, a pool of 3 threads: ceil(8 / 3) = 3 latencies", fontsize=9, loc="left")
    waves_ax.text(-0.9, -0.6, "pool size: max_concurrency, else min(32, cpus + 4) (Python 3.13+: process_cpu_count)",
                  fontsize=7, style="italic")
    nest_ax.axis("off")
    nest_ax.set_xlim(0, 4)
    nest_ax.set_ylim(0, 4)
    _step_box(nest_ax, 0.1, 0.5, 3.8, 3.0, "", color="#f0f0f0")
    nest_ax.text(2.0, 3.25, "outer parallel: a pool of 2 threads", ha="center", fontsize=8)
    for k, x in enumerate((0.3, 2.1)):
        _step_box(nest_ax, x, 0.7, 1.6, 2.3, "", color="#fdd0a2")
        nest_ax.text(x + 0.8, 2.7, f"inner parallel {k + 1}:\nits own pool of 2", ha="center", va="center", fontsize=7)
        for j, y in enumerate((1.55, 0.85)):
            _step_box(nest_ax, x + 0.15, y, 1.3, 0.55, f"model call {2 * k + j + 1}", fontsize=7)
    nest_ax.text(2.0, 0.15, 'max_concurrency=2 caps each pool: 2 x 2 = 4 calls at once', ha="center", fontsize=8,
                 color="#cb181d")
    nest_ax.set_title("Nested: the cap is per pool", fontsize=9, loc="left")
    return fig

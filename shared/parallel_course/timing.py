"""A stopwatch for ``with`` blocks, and a warm-up that keeps one-off costs out of timings."""

import gc
import time


class Timer:
    """Measure a ``with`` block: ``with Timer() as t: ...``, then ``t.elapsed`` (wall) and ``t.cpu``."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.end: float | None = None
        self._cpu: tuple[float, float | None] | None = None

    def __enter__(self) -> "Timer":
        self.start, self.end = time.perf_counter(), None
        self._cpu = (time.process_time(), None)
        return self

    def __exit__(self, *exc_info) -> None:
        self.end = time.perf_counter()
        self._cpu = (self._cpu[0], time.process_time())

    @property
    def elapsed(self) -> float:
        """Seconds from entering the block to leaving it (or to now, while inside)."""
        if self.start is None:
            raise RuntimeError("the timer has not been started: use it in a with block")
        return (self.end or time.perf_counter()) - self.start

    @property
    def cpu(self) -> float:
        """CPU seconds the whole process (all its threads) used in the block (or until now)."""
        if self._cpu is None:
            raise RuntimeError("the timer has not been started: use it in a with block")
        start, end = self._cpu
        return (end or time.process_time()) - start

    def __repr__(self) -> str:
        return f"Timer(elapsed={self.elapsed:.3f}s)" if self.start is not None else "Timer(not started)"


def freeze_imports() -> None:
    """Move every object loaded so far out of the garbage collector's reach.

    A full collection walks them all (hundreds of thousands after LangChain's imports) holding the
    GIL, up to a second on a busy machine, and every branch of a parallel stalls with it.
    """
    gc.freeze()


def warm_up(first_run: bool = True) -> None:
    """Prepare a notebook for measuring (its Setup calls it): returned figures show as pictures, the
    imports are frozen out of the garbage collector's scans, and (``first_run``) one tiny parallel
    chain runs now, so LangChain's lazy imports on a first run (tens of ms) stay out of the lesson's
    first measurement. Notebook 07 measures that first run itself: ``first_run=False``."""
    from langchain_core.runnables import RunnableParallel

    from .fake_chat_model import FakeChatModel
    from .figures import show_figures

    show_figures()
    freeze_imports()
    if first_run:
        RunnableParallel(a=FakeChatModel(latency=0)).batch(["warm-up"] * 2)


RUNS = 5  # the most runs verify_timing takes: the first, and more only while the claim fails


def verify_timing(
    measure,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    expected: float | None = None,
    what: str = "measured",
    unit: str = "",
    first: float | None = None,
) -> float:
    """Verify a claim about speed (a wall time, an overhead, a speedup) and print one line saying so.

    ``measure()`` runs the work once and returns the number; ``first`` is a measurement already taken
    (the demo's own), used as the first run. A loaded machine only ever adds time, so for an upper
    bound (``at_most``: a wall time) the lowest run counts, and for a lower bound (``at_least``: a
    speedup, an overlap) the highest; more runs are taken only while the bound is missed, up to
    ``RUNS``. Returns the run that counts; raises ``AssertionError`` when none meets the bound.
    """
    if (at_most is None) == (at_least is None):
        raise ValueError("at_most or at_least: give exactly one bound")
    if not callable(measure):
        raise ValueError(f"measure must be a function that runs the work and returns a number, got {measure!r}")
    bound = at_most if at_least is None else at_least
    best = min if at_least is None else max

    def holds(value: float) -> bool:
        return value <= bound if at_least is None else value >= bound

    value = float(measure() if first is None else first)
    runs = 1
    while not holds(value) and runs < RUNS:
        value, runs = best(value, float(measure())), runs + 1
    side = "at most" if at_least is None else "at least"
    about = f", expected about {expected:.3g}{unit}" if expected is not None else ""
    if not holds(value):
        raise AssertionError(f"{what}: {value:.3g}{unit} over {runs} runs{about}, {side} {bound:.3g}{unit} claimed")
    print(f"verified: {what} {value:.3g}{unit}{about} ({side} {bound:.3g}{unit})")
    return value

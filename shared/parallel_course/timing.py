"""A stopwatch for ``with`` blocks, and a warm-up that keeps one-off costs out of timings."""

import time


class Timer:
    """Measure the wall time of a ``with`` block: ``with Timer() as t: ...; t.elapsed``."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.end: float | None = None

    def __enter__(self) -> "Timer":
        self.start, self.end = time.perf_counter(), None
        return self

    def __exit__(self, *exc_info) -> None:
        self.end = time.perf_counter()

    @property
    def elapsed(self) -> float:
        """Seconds from entering the block to leaving it (or to now, while inside)."""
        if self.start is None:
            raise RuntimeError("the timer has not been started: use it in a with block")
        return (self.end or time.perf_counter()) - self.start

    def __repr__(self) -> str:
        return f"Timer(elapsed={self.elapsed:.3f}s)" if self.start is not None else "Timer(not started)"


def warm_up() -> None:
    """Run one tiny parallel chain now, so LangChain's lazy imports on the first run of a
    chain (tens of ms, notebook 07) do not land inside a lesson's first measurement."""
    from langchain_core.runnables import RunnableParallel

    from .fake_chat_model import FakeChatModel

    RunnableParallel(a=FakeChatModel(latency=0)).batch(["warm-up"] * 2)

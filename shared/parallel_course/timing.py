"""A stopwatch for ``with`` blocks, and a warm-up that keeps one-off costs out of timings."""

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


def warm_up() -> None:
    """Run one tiny parallel chain now, so LangChain's lazy imports on the first run of a
    chain (tens of ms, notebook 07) do not land inside a lesson's first measurement."""
    from langchain_core.runnables import RunnableParallel

    from .fake_chat_model import FakeChatModel

    RunnableParallel(a=FakeChatModel(latency=0)).batch(["warm-up"] * 2)

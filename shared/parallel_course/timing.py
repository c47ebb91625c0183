"""A stopwatch for ``with`` blocks."""

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

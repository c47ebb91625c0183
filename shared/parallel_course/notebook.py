"""Notebook conveniences: show an expected failure without stopping "Run All"."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Caught:
    """What ``expect_error`` caught: ``error`` is the exception (None until the block fails)."""

    error: BaseException | None = None


@contextmanager
def expect_error(*types: type[BaseException]) -> Iterator[Caught]:
    """Run a block that is meant to fail; print its error instead of raising it.

    ``with pc.expect_error(ValueError) as caught: ...`` prints ``ValueError: <message>``
    and keeps the exception in ``caught.error``. If the block does not raise one of
    ``types``, that is a bug in the lesson: an ``AssertionError`` says so.
    """
    if not types:
        raise ValueError("types must name at least one exception class")
    caught = Caught()
    try:
        yield caught
    except types as error:
        caught.error = error
        print(f"{type(error).__name__}: {error}")
    else:
        names = " or ".join(t.__name__ for t in types)
        raise AssertionError(f"expected the block to raise {names}, but it did not")

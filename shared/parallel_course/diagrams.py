"""Concept diagrams, drawn with matplotlib: ``pc.diagram(name)`` returns the figure.

Each drawing is a function registered under its name; it draws the model a lesson explains (the thread
pool and its waves, the event loop and its tasks, fan-out and fan-in shapes, where a failure travels).
"""

from collections.abc import Callable

from matplotlib.figure import Figure

from .figures import new_figure  # noqa: F401  (the drawings below use it)

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

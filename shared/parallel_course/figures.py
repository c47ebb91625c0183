"""Figures that Jupyter displays exactly once (returned by the plot helpers, not left in pyplot), and
their time axes in course-seconds."""

from matplotlib.figure import Figure


def show_figures() -> None:
    """Teach a running IPython to show a returned ``Figure`` as a PNG (pyplot is never involved)."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import print_figure
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        png = shell.display_formatter.formatters["image/png"]
        png.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))


def new_figure(width: float, height: float) -> Figure:
    """A figure outside pyplot's list, so it is shown once: when a cell returns it."""
    return Figure(figsize=(width, height), layout="constrained")



def course_seconds(seconds):
    """Measured seconds as a time axis shows them: course-seconds offline (the time scale undone),
    plain seconds with a real model (its latencies are not scaled)."""
    from .models import real_mode
    from .timescale import time_scale

    return seconds if real_mode() else seconds / time_scale()


def time_label(since: str) -> str:
    """The time axis' label: ``course-seconds since ...`` offline, ``seconds since ...`` with a real model."""
    from .models import real_mode

    return f"{'seconds' if real_mode() else 'course-seconds'} {since}"

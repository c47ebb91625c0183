"""Figures that Jupyter displays exactly once: returned by the plot helpers, not left in pyplot."""

from matplotlib.figure import Figure


def _register_png_display() -> None:
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


_register_png_display()  # on import of the package, inside Jupyter

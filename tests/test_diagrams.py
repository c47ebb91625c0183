"""Concept diagrams: each registered drawing is a figure with something drawn and labelled; a wrong name says so."""

import pytest
from matplotlib.figure import Figure

import parallel_course as pc
from parallel_course.diagrams import DIAGRAMS


@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_each_diagram_draws_labelled_shapes(name):
    fig = pc.diagram(name)
    assert isinstance(fig, Figure)
    texts = [t for ax in fig.axes for t in ax.texts] + list(fig.texts)
    shapes = [p for ax in fig.axes for p in ax.patches] + [line for ax in fig.axes for line in ax.lines]
    assert texts and shapes, f"{name}: labels and shapes"


def test_an_unknown_diagram_names_the_parameter():
    with pytest.raises(ValueError, match="name"):
        pc.diagram("no such diagram")

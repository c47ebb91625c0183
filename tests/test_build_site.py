"""The course website's sources (scripts/build_site.py): which cells a page hides, and the staging.

The build itself, in a browser, is tests/browser/test_site.py.
"""

from pathlib import Path

import build_site  # scripts/ is on pytest's pythonpath
import launch
import nbformat
import pytest
from proof_cells import collapse_proofs, is_proof

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK = ROOT / "notebooks" / "01_runnable_parallel_overview.ipynb"


@pytest.mark.parametrize("source", [
    "assert x == 1",
    "assert a\nassert b  # why",
    "if not pc.real_mode():\n    assert out == expected\nelse:\n    assert out",
    "_card = chain.invoke(x)\nassert list(_card) == ['a']",
    "assert await model.ainvoke('x')",
    "for name in names:\n    assert runs[name] == 'ok'\nassert len(runs) == 2",
    "assert 2.4 < _s < 3.3, _s\nprint(f'✓ measured {_s:.1f}x, expected about 3x')",
    "with pc.gate(3, model):\n    chain.invoke(x)\nassert model.peak_in_flight == 3\nprint('verified: 3 at once')",
    "with pc.gate(3, model):\n    _log = pc.calls_during(model, run)\nassert len(_log) == 3\nprint('verified')",
    "model.reset()\npc.verify_timing(lambda: run(), first=wall, at_most=1.5, what='the run took')",
])
def test_proof_cells(source):
    assert is_proof(source)
    nb = collapse_proofs(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]))
    assert nb.cells[0].metadata["jupyter"] == {"source_hidden": True}  # collapsed in JupyterLab


@pytest.mark.parametrize("source", [
    "out = shapes.invoke('x')\nassert out",  # defines a name the page may use later
    "print(ratio)\nassert ratio > 2",  # shows a result
    "_x = 1",  # no assert: nothing proved
    "ratio = a / b",
    "for x in xs:\n    print(x)\n    assert x",
    "with pool() as p:\n    assert p.size == 4",  # only if, for, gates and the assignments of _names count
    "with pc.gate(3, model):\n    out = chain.invoke(x)",  # defines a name
    "with pc.gate(2, m):\n    print(m.invoke('x'))\nassert m",  # a gate's block proves only if its body does
    "model.invoke('x')\nassert True",  # runs a model: only gated runs prove
    "%time assert x",  # not Python: left alone
    "",
])
def test_cells_that_are_not_proof(source):
    assert not is_proof(source)


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def test_a_page_hides_proofs_and_checks_and_keeps_the_exercises():
    learner = nbformat.read(NOTEBOOK, as_version=4)
    page = build_site.for_the_site(nbformat.read(NOTEBOOK, as_version=4), NOTEBOOK.name, "learner.ipynb", "")
    assert len(page.cells) == len(learner.cells) + 1  # nothing dropped: cells are tagged
    title = next(i for i, c in enumerate(learner.cells) if c.source.startswith("# 01 · "))
    link = page.cells[title + 1]
    assert link.cell_type == "markdown" and "(path:learner.ipynb)" in link.source
    kept = page.cells[: title + 1] + page.cells[title + 2:]
    assert [c.source for c in kept] == [c.source for c in learner.cells]
    removed = [c.source for c in kept if build_site.REMOVE_CELL in tags(c)]
    assert removed[0].startswith("# Initialize Otter")
    hidden = [c.source for c in learner.cells if c.cell_type == "code"
              and (is_proof(c.source) or build_site.is_check(c.source))]
    assert removed[1:] == hidden  # the init cell, then every proof cell and check cell, and nothing else
    answers = [c for c in kept if "otter_answer_cell" in tags(c)]
    assert len(answers) == 5 and all(tags(c) == ["otter_answer_cell"] for c in answers)
    assert "ticket_line = ..." in [c.source for c in answers]
    checks = [c for c in kept if c.source.startswith("grader.check(")]
    assert len(checks) == 5 and all(tags(c) == [build_site.REMOVE_CELL] for c in checks)
    assert "mystnb" not in page.metadata  # executed


def test_a_page_with_launch_cells_hides_colab_setup_and_keeps_the_badges():
    nb = launch.add_launch_cells(nbformat.read(NOTEBOOK, as_version=4), "owner/course", NOTEBOOK.name)
    page = build_site.for_the_site(nb, NOTEBOOK.name, "learner.ipynb", "owner/course")
    badges, setup = page.cells[:2]
    assert "colab.research.google.com" in badges.source and badges.cell_type == "markdown"
    assert "google.colab" in setup.source and tags(setup) == [build_site.REMOVE_CELL]


def test_unexecuted_page():
    page = build_site.for_the_site(nbformat.read(NOTEBOOK, as_version=4), NOTEBOOK.name, "x.ipynb", "", execute=False)
    assert page.metadata["mystnb"] == {"execution_mode": "off"}


def test_staging_lays_out_every_notebook_and_rewrites_only_what_changed(tmp_path):
    src = tmp_path / "src"
    executed = build_site.stage(src, ["01", "06"])
    learners = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert executed == [n for n in learners if n[:2] in ("01", "06")]
    assert sorted(p.name for p in (src / "notebooks").glob("*.ipynb")) == learners
    off = [n for n in learners if "mystnb" in nbformat.read(src / "notebooks" / n, as_version=4).metadata]
    assert off == [n for n in learners if n not in executed]
    assert (src / "index.md").read_text() == (ROOT / "docs" / "website" / "index.md").read_text()
    assert (src / "README.md").read_bytes() == (ROOT / "README.md").read_bytes()
    for page in ["CONTRIBUTING.md", "docs/instructors.md", "docs/benchmarks.md", "docs/real_model.md", "docs/site.md"]:
        assert (src / page).read_bytes() == (ROOT / page).read_bytes(), page

    stale = src / "notebooks" / "99_gone.ipynb"
    stale.write_text("{}")
    before = {p: p.stat().st_mtime_ns for p in src.rglob("*") if p.is_file() and p != stale}
    build_site.stage(src, ["01", "06"])
    assert not stale.exists()
    assert {p: p.stat().st_mtime_ns for p in src.rglob("*") if p.is_file()} == before  # Sphinx re-reads nothing


def test_bad_parameters(tmp_path):
    with pytest.raises(ValueError, match="only"):
        build_site.build(tmp_path / "site", tmp_path / "work", ["77"])
    with pytest.raises(ValueError, match="jobs"):
        build_site.build(tmp_path / "site", tmp_path / "work", [], jobs=0)
    untitled = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("no title")])
    with pytest.raises(ValueError, match="nb"):
        build_site.for_the_site(untitled, "07_x.ipynb", "x.ipynb", "")


def test_widget_outputs_are_dropped():
    """tqdm's progress bar in a notebook: a widget view whose text is the bar at 0%."""
    bar = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "5265", "version_major": 2, "version_minor": 0},
        "text/plain": "sweep:   0%|          | 0/5 [00:00<?, ?it/s]"})
    printed = nbformat.v4.new_output("stream", name="stdout", text="done\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("for x in tqdm(xs): ...", outputs=[bar, printed])])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    page = build_site.without_widgets(nb)
    assert page.cells[0].outputs == [printed] and "widgets" not in page.metadata


def test_the_cache_changes_with_the_helper_package_the_data_and_the_pins(tmp_path):
    for name, text in {"shared/pc/models.py": "A = 1", "data/reviews.csv": "id\n1", "requirements.txt": "x==1"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    first = build_site.inputs_fingerprint(tmp_path)
    (tmp_path / "shared/pc/__pycache__").mkdir()
    (tmp_path / "shared/pc/__pycache__/models.cpython-311.pyc").write_bytes(b"compiled")
    assert build_site.inputs_fingerprint(tmp_path) == first  # bytecode is not source
    seen = {first}
    for name in ["shared/pc/models.py", "data/reviews.csv", "requirements.txt"]:
        (tmp_path / name).write_text((tmp_path / name).read_text() + "\n# changed")
        seen.add(build_site.inputs_fingerprint(tmp_path))
    assert len(seen) == 4


def test_a_page_that_would_show_an_error_fails_the_build():
    ok = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("stream", text="RateLimitError: 429\n")])
    table = nbformat.v4.new_code_cell("df", outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/html": "<td>TypeError: unsupported operand</td>"})])
    raised = nbformat.v4.new_code_cell("1/0", outputs=[nbformat.v4.new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])])
    traceback = nbformat.v4.new_output("stream", text="Traceback (most recent call last)")
    hidden = nbformat.v4.new_code_cell("assert x", metadata={"tags": ["remove-cell"]}, outputs=[traceback])
    shown = nbformat.v4.new_code_cell("with pc.expect_error(TypeError):\n    f()", outputs=[
        nbformat.v4.new_output("stream", text="TypeError: f() takes 1 argument\n")])  # a failure shown on purpose
    nb = nbformat.v4.new_notebook(cells=[ok, table, raised, hidden, shown])
    assert build_site.shown_errors(nb) == ["cell 1: TypeError: ", "cell 2: ZeroDivisionError"]

"""Build the course website with Sphinx, MyST-NB and sphinx-book-theme (``make site``).

    python scripts/build_site.py                          # the whole course -> build/site/
    python scripts/build_site.py --out DIR --work DIR 01 06   # execute only the notebooks whose names start so

The pages are staged in ``<work>/src/``: README.md (the home page includes it), the guides in
docs/, CONTRIBUTING.md, and a copy of every learner notebook (``notebooks/*.ipynb``, so new
ones are picked up), marked for the site by :func:`for_the_site`. Executed outputs live in
MyST-NB's jupyter-cache, ``<work>/cache-scale-<COURSE_TIME_SCALE>-<inputs>/``, keyed by the
notebook's code: a notebook whose code is unchanged is not executed again, and outputs of
another time scale, or of another state of the helper package, data or pins
(:func:`inputs_fingerprint`), are never mixed in. Before Sphinx starts, the notebooks the cache lacks are executed
``--jobs`` at a time (they wait on fake latencies most of the time) into that cache, so MyST-NB
(``nb_execution_mode = "cache"``) renders every page from it.
The learner notebooks themselves are never changed; the download link on each page serves them.
"""

import argparse
import filecmp
import hashlib
import os
import re
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from launch import colab_cell, configured_repository
from proof_cells import is_proof

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "docs" / "website"
PAGES = ["README.md", "CONTRIBUTING.md", "docs/api.md", "docs/instructors.md", "docs/benchmarks.md",
         "docs/real_model.md", "docs/site.md", "docs/website/index.md"]
CELL_TIMEOUT = 600  # seconds a cell may take at the human time scale (MyST-NB's too: docs/website/conf.py)
EXECUTED_BY = "scripts/build_site.py"  # in the cache records written here (MyST-NB's own have none)
OTTER_INIT = "# Initialize Otter\n"  # the first line of the init cell otter assign writes
REMOVE_CELL = "remove-cell"  # MyST-NB's cell tag
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def is_check(source: str) -> bool:
    """True for otter's check cell of an exercise: ``grader.check("q01_build")``."""
    line = source.strip()
    return line.startswith("grader.check(") and line.endswith(")") and "\n" not in line


def for_the_site(nb: nbformat.NotebookNode, name: str, download: str, repository: str,
                 execute: bool = True) -> nbformat.NotebookNode:
    """The learner notebook as its page shows it.

    Proof cells (:func:`is_proof`), otter's init cell, Colab's set-up cell and each ``grader.check`` cell are
    removed (the answer cells stay, with their ``...``);
    a download link to ``download`` follows the title cell. ``execute=False`` shows the
    notebook unexecuted (MyST-NB's per-notebook ``execution_mode``).
    """
    if not execute:
        nb.metadata["mystnb"] = {"execution_mode": "off"}
    setup_cell = colab_cell(repository, name) if repository else None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.setdefault("tags", [])
        if is_proof(cell.source) or cell.source == setup_cell or cell.source.startswith(OTTER_INIT):
            tags.append(REMOVE_CELL)
        elif is_check(cell.source):
            tags.append(REMOVE_CELL)  # with nothing attempted it only says so: an empty check on a page
    title = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("# ")), None)
    if title is None:
        raise ValueError(f"nb: {name} has no title cell ('# NN · Title', CONTRIBUTING.md)")
    link = f"[Download this notebook](path:{download}) and run it with `make lab` ([Start](../index.md#start))."
    nb.cells.insert(title + 1, nbformat.v4.new_markdown_cell(link, id="site-download"))
    return nb


def inputs_fingerprint(root: Path = ROOT) -> str:
    """A short hash of what every notebook's outputs depend on besides its own code:
    the helper package's source, the course data and the pinned requirements."""
    files = [*(root / "shared").rglob("*.py"), *(root / "data").rglob("*"), root / "requirements.txt"]
    digest = hashlib.sha256()
    for path in sorted(p for p in files if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def write_if_changed(text: str, target: Path) -> None:
    """Write ``target`` only when its text changes, so Sphinx re-reads only what changed."""
    if not target.exists() or target.read_text() != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def stage(src: Path, only: list[str]) -> list[str]:
    """Lay out the site's sources in ``src`` as in the repository; return the names of the notebooks
    to execute: those whose names start with one of ``only`` (all when it is empty).

    Every learner notebook gets its page, so every link resolves; the others are shown unexecuted.
    """
    pictures = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "docs" / "images").glob("*.png"))]
    for page in PAGES + pictures:  # the pages, and the pictures they show (docs/images/)
        target = src / ("index.md" if page == "docs/website/index.md" else page)
        if not target.exists() or not filecmp.cmp(ROOT / page, target, shallow=False):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / page, target)
    repository = configured_repository()
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    executed = [p.name for p in notebooks if not only or any(p.stem.startswith(o) for o in only)]
    staged = src / "notebooks"
    staged.mkdir(parents=True, exist_ok=True)
    for stale in set(staged.glob("*.ipynb")) - {staged / p.name for p in notebooks}:
        stale.unlink()
    for path in notebooks:
        nb = for_the_site(nbformat.read(path, as_version=4), path.name, os.path.relpath(path, staged), repository,
                          execute=path.name in executed)
        write_if_changed(nbformat.writes(nb) + "\n", staged / path.name)
    return executed


def without_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` without its Jupyter widget outputs (tqdm's progress bars) and their saved state.

    A static page could show them only with widget scripts from the internet, and their text
    is the bar at its start ("0%").
    """
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]
    nb.metadata.pop("widgets", None)
    return nb


def execute(path: Path) -> tuple[nbformat.NotebookNode, float, str | None]:
    """Run a staged notebook in its folder, as MyST-NB would: (executed notebook, seconds, traceback or None)."""
    result = single_nb_execution(nbformat.read(path, as_version=4), cwd=str(path.parent), timeout=CELL_TIMEOUT,
                                 allow_errors=False)
    return without_widgets(result.nb), result.time, result.exc_string


# an error's own words in what a page shows: a traceback, or a table row that holds a bug's message
SHOWN_ERROR = re.compile(r"Traceback \(most recent call last\)|\b(TypeError|AttributeError|NameError|KeyError|"
                         r"IndexError|ZeroDivisionError|UnboundLocalError|AssertionError): ")


def shown_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Where an executed page would show an error: an error output, or a traceback or a bug's message in the
    output of a cell the page keeps (proof cells and checks are removed; a failure a lesson
    shows on purpose goes through ``pc.expect_error``, which prints it)."""
    found = []
    for number, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", []) if cell.cell_type == "code" else [REMOVE_CELL]
        if REMOVE_CELL in tags or "pc.expect_error(" in cell.source:
            continue
        for output in cell.outputs:
            data = output.get("data", {})
            texts = [output.get("text", "")] + [str(v) for k, v in data.items() if k.startswith("text/")]
            if output.output_type == "error" or any(SHOWN_ERROR.search(t) for t in texts):
                found.append(f"cell {number}: {output.get('ename') or SHOWN_ERROR.search(' '.join(texts)).group(0)}")
    return found


def execute_uncached(paths: list[Path], cache_dir: Path, jobs: int) -> list[str]:
    """Execute, ``jobs`` at a time, the notebooks whose code the cache lacks, and cache each one.

    Returns the names of those that failed (their traceback is printed): a cell raised, or an output the page
    keeps shows an error (:func:`shown_errors`).
    """
    cache = get_cache(str(cache_dir))
    todo = []
    for path in paths:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    print(f"site: {len(paths) - len(todo)} notebooks from the cache, {len(todo)} to execute, {jobs} at a time")
    failed = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        running = {pool.submit(execute, path): path for path in todo}
        for done in as_completed(running):
            path = running[done]
            nb, seconds, error = done.result()
            error = error or "\n".join(shown_errors(nb))  # a page never shows an error
            if error:
                print(f"site: {path.name} failed after {seconds:.0f} s:\n{error}")
                failed.append(path.name)
                continue
            data = {"execution_seconds": seconds, "executed_by": EXECUTED_BY}
            cache.cache_notebook_bundle(CacheBundleIn(nb, str(path), data=data), check_validity=False, overwrite=True)
            path.touch()  # new outputs: Sphinx must read the page again even if its source is unchanged
            print(f"site: {path.name} executed in {seconds:.0f} s")
    return failed


def build(out: Path, work: Path, only: list[str], jobs: int = 4) -> int:
    """Stage the sources in ``work``, execute what the cache lacks, run Sphinx into ``out``; the exit code."""
    from sphinx.cmd.build import build_main

    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    pages_before = set((work / "src" / "notebooks").glob("*.ipynb"))
    executed = stage(work / "src", only)
    if not executed:
        raise ValueError(f"only: no learner notebook in notebooks/ starts with any of {only}")
    if set((work / "src" / "notebooks").glob("*.ipynb")) != pages_before:
        # Sphinx would rewrite only the new pages: every other page's navigation would miss them,
        # and a removed notebook's page would stay. A new output folder gets every page written.
        shutil.rmtree(out, ignore_errors=True)
    os.environ["COURSE_MODEL"] = "fake"  # the pages show the fake models' answers, even with a key set
    scale = os.environ.get("COURSE_TIME_SCALE", "1")
    cache = work / f"cache-scale-{scale}-{inputs_fingerprint()}"
    for stale in set(work.glob(f"cache-scale-{scale}-*")) - {cache}:
        shutil.rmtree(stale)  # outputs of a helper package, data or pins that are gone
    print(f"site: {len(executed)} notebooks at COURSE_TIME_SCALE={scale}, outputs cached in {cache}")
    failed = execute_uncached([work / "src" / "notebooks" / name for name in executed], cache, jobs)
    if failed:
        print(f"site: not built, these notebooks failed: {', '.join(failed)}")
        return 1
    return build_main([
        "-b", "html", "-c", str(CONF_DIR), "-d", str(work / "doctrees"),
        "-W", "--keep-going", "-q",  # a warning (a broken link, a failed cell) fails the build
        "-D", f"nb_execution_cache_path={cache}",
        str(work / "src"), str(out),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="execute only the notebooks whose names start so (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site", help="the HTML site")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "site-work",
                        help="staged sources, Sphinx's doctrees and the execution cache")
    parser.add_argument("--jobs", type=int, default=4, help="notebooks executed at a time")
    args = parser.parse_args()
    sys.exit(build(args.out.resolve(), args.work.resolve(), args.only, args.jobs))


if __name__ == "__main__":
    main()

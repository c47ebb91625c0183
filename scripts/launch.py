"""One-click launch: the Colab and Binder badges and Colab's set-up cell, written by ``make assign``.

Both services open the course from its public GitHub repository, named in one place:
``repository = "owner/name"`` under ``[tool.parallel-course]`` in pyproject.toml. While it is
empty, the learner notebooks and the README get no badges and no set-up cell.
"""

import re
import tomllib
from pathlib import Path
from urllib.parse import quote

import nbformat

ROOT = Path(__file__).resolve().parents[1]
COLAB_DIR = "/content/parallel-course"  # where the set-up cell clones the course on Colab
README_LINE = (
    "No Python at hand? Colab opens notebook 01 (run its first cell; each notebook has its own"
    " badge), Binder the whole course in JupyterLab (its first start takes a few minutes)."
)
README_START, README_END = "<!-- launch badges: written by make assign -->", "<!-- end of launch badges -->"


def configured_repository(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The ``owner/name`` set in pyproject.toml, or "" when the course has no public repository yet."""
    settings = tomllib.loads(pyproject.read_text()).get("tool", {}).get("parallel-course", {})
    return check_repository(settings.get("repository", ""))


def check_repository(repository: str) -> str:
    """``repository`` itself if it is "" or a GitHub ``owner/name``; else a ValueError naming it."""
    if repository and not re.fullmatch(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+", repository):
        raise ValueError(f"repository must be a GitHub 'owner/name', got {repository!r}")
    return repository


def badges(repository: str, notebook: str | None) -> str:
    """Markdown for an "Open in Colab" and a "launch binder" badge: one notebook, or the course."""
    colab_target = f"notebooks/{notebook or '01_runnable_parallel_overview.ipynb'}"
    binder_target = f"labpath={quote(f'notebooks/{notebook}', safe='')}" if notebook else "urlpath=lab/tree/notebooks"
    colab = f"https://colab.research.google.com/github/{repository}/blob/main/{colab_target}"
    binder = f"https://mybinder.org/v2/gh/{repository}/HEAD?{binder_target}"
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab})\n"
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder})"
    )


def colab_cell(repository: str, notebook: str) -> str:
    """The set-up cell: on Colab it clones the course, installs its requirements and writes the checks."""
    return f'''# Runs only on Google Colab: fetches the course, installs its requirements and sets up
# the exercise checks. Anywhere else (JupyterLab, Binder) it does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import runpy
    import subprocess

    COURSE = "{COLAB_DIR}"
    if not os.path.isdir(COURSE):
        subprocess.run(["git", "clone", "--depth=1", "https://github.com/{repository}", COURSE], check=True)
    runpy.run_path(f"{{COURSE}}/shared/parallel_course/colab.py")["set_up"](COURSE, "{notebook}")'''


def add_launch_cells(nb: nbformat.NotebookNode, repository: str, notebook: str) -> nbformat.NotebookNode:
    """Put the badges and Colab's set-up cell first in a learner notebook (before otter's init cell)."""
    if repository:
        nb.cells[:0] = [
            nbformat.v4.new_markdown_cell(badges(repository, notebook)),
            nbformat.v4.new_code_cell(colab_cell(repository, notebook)),
        ]
    return nb


def readme_with_badges(readme: str, repository: str) -> str:
    """``readme`` with the course's badges (nothing without a repository) between the two markers."""
    start, end = readme.index(README_START) + len(README_START), readme.index(README_END)
    block = f"\n{badges(repository, None)}\n\n{README_LINE}\n" if repository else "\n"
    return readme[:start] + block + readme[end:]

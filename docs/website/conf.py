"""Sphinx configuration of the course website; `make site` (scripts/build_site.py) runs Sphinx with it."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from build_site import CELL_TIMEOUT  # noqa: E402  (scripts/build_site.py)
from launch import configured_repository  # noqa: E402  (scripts/launch.py)

project = "Running LangChain chains in parallel"
html_title = project
copyright = "the course's authors"
extensions = ["myst_nb", "sphinx.ext.autodoc"]  # autodoc: the helper reference, docs/api.md
autodoc_member_order = "bysource"
exclude_patterns = ["README.md"]  # the home page (index.md) includes it

# Every notebook's outputs come from jupyter-cache (path set by scripts/build_site.py, which fills
# it); a notebook missing from it is executed here, a failing cell fails the build.
nb_execution_mode = "cache"
nb_execution_timeout = CELL_TIMEOUT
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_ipywidgets_js = {}  # no widget scripts from the internet (scripts/build_site.py drops widget outputs)
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_context = {"default_mode": "auto"}  # light or dark as the reader's system says
html_static_path = ["_static"]
html_css_files = ["course.css"]  # code wraps in its column (tests/browser/test_site.py checks it at 1280 px)
html_favicon = "_static/favicon.svg"  # three branches, side by side
html_copy_source = False  # each notebook page links the learner notebook itself
html_show_sourcelink = False
repository = configured_repository()
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 1,  # the page's sections; a section's subsections unfold as the reader gets there
    "use_download_button": False,
    "footer_content_items": [],
    "use_repository_button": bool(repository),
    "repository_url": f"https://github.com/{repository}" if repository else "",
}

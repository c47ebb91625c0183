"""Write docs/api.md, the helper reference: every ``pc.*`` name, its one-line doc and the notebook that
introduces it, then its full documentation (Sphinx autodoc, on the website).

    python scripts/api_reference.py           # rewrite docs/api.md
    python scripts/api_reference.py --check   # exit 1 if docs/api.md is not what the package says now
"""

import argparse
import inspect
import re
import sys
from pathlib import Path

import nbformat

import parallel_course as pc

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "api.md"


def first_use() -> dict[str, str]:
    """{name: the first learner notebook (in course order) whose code uses ``pc.<name>``}."""
    found = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                for name in re.findall(r"\bpc\.([A-Za-z]\w*)", cell.source):
                    found.setdefault(name, path.stem)
    return found


def kind(value) -> str:
    if inspect.ismodule(value):
        return "module"
    return "class" if inspect.isclass(value) else "function" if callable(value) else "data"


def summary(name: str) -> str:
    """The first paragraph of the name's docstring (of its home module's, for data), in Markdown."""
    value = getattr(pc, name)
    home = sys.modules[f"parallel_course.{pc._HOME[name]}"]
    doc = inspect.getdoc(home if kind(value) == "data" else value) or ""
    line = " ".join(doc.split("\n\n", 1)[0].split())
    line = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", line).replace("``", "`")
    return line.replace("|", "\\|")


def directive(name: str) -> str:
    value = getattr(pc, name)
    if kind(value) in ("module", "data"):  # a module's docs; data (a table of values) is its home module's
        return f"```{{eval-rst}}\n.. automodule:: parallel_course.{pc._HOME[name]}\n```"
    return f"```{{eval-rst}}\n.. auto{kind(value)}:: parallel_course.{name}\n```"


def text() -> str:
    used = first_use()
    lines = [
        "# Helper reference",
        "",
        "Every helper of the course's package, `import parallel_course as pc`: what it does in a line, and the",
        "notebook that first uses it. Below the table, each one's full documentation (on the website).",
        "Written by `scripts/api_reference.py` from the docstrings; `make test` checks it is current.",
        "",
        "## At a glance",
        "",
        "| helper | what it does | first used in |",
        "|---|---|---|",
    ]
    for name in pc.__all__:
        where = used.get(name)
        notebook = f"[{where[:2]}](../notebooks/{where}.ipynb)" if where else "-"
        lines.append(f"| [`pc.{name}`](#pc{name.lower()}) | {summary(name)} | {notebook} |")
    lines += ["", "## Each helper in full"]
    for name in pc.__all__:
        lines += ["", f"### pc.{name}", "", directive(name)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that docs/api.md is current")
    args = parser.parse_args()
    if args.check:
        current = TARGET.exists() and TARGET.read_text() == text()
        print("docs/api.md is current" if current else "docs/api.md is out of date: python scripts/api_reference.py")
        sys.exit(0 if current else 1)
    TARGET.write_text(text())


if __name__ == "__main__":
    main()

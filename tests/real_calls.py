"""Which learner notebooks call a real model in real-model mode, found by reading their solutions.

Real-model mode changes one thing: what ``get_chat_model`` returns. So a notebook makes
real calls when a code cell of its solution (``solutions/NN_*.ipynb``, the course's
source) calls ``get_chat_model`` without ``fake=True``; a ``fake=`` that is not the
constant ``True``, or ``**settings`` without ``fake=True``, may be real and counts. (A
``ChatOpenAI`` a cell builds itself is the same in both modes.) Only those notebooks run
against the provider-like test server (``make test-real``): in the others real-model
mode changes nothing. A new notebook is picked up by the same scan.

    python tests/real_calls.py          # the learner notebooks that make real calls, one a line
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def _python(source: str) -> str:
    """A cell's source without IPython's ``%magic`` and ``!shell`` lines, which are not Python."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _may_be_real(call: ast.Call) -> bool:
    """True for a ``get_chat_model(...)`` call that can return a real model in real-model mode."""
    func = call.func
    if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) != "get_chat_model":
        return False
    fake = next((keyword.value for keyword in call.keywords if keyword.arg == "fake"), None)
    if fake is not None:
        return not (isinstance(fake, ast.Constant) and fake.value is True)
    return True  # no fake=, or **settings that may hold fake=False


def real_calls(solution: Path) -> list[str]:
    """The calls in ``solution``'s code cells that may reach a real model, as source text."""
    found = []
    for cell in nbformat.read(solution, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_python(cell.source))
        except SyntaxError as error:  # top-level await parses; this is a broken cell
            raise ValueError(f"{solution.name}: a code cell does not parse: {error}") from None
        found += [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Call) and _may_be_real(node)]
    return found


def real_model_notebooks(root: Path = ROOT) -> list[Path]:
    """The learner notebooks (``notebooks/``) whose solution makes real calls, sorted by name."""
    return [root / "notebooks" / solution.name
            for solution in sorted((root / "solutions").glob("*.ipynb")) if real_calls(solution)]


if __name__ == "__main__":
    print("\n".join(str(path.relative_to(ROOT)) for path in real_model_notebooks()))

"""The package's public API is what the notebooks use, spelled one way: ``pc.<name>``, every name in ``__all__``."""

import re
from pathlib import Path

import nbformat

import parallel_course as pc

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "notebooks").glob("*.ipynb"))


def code_cells():
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                yield path.name, cell.source


def test_notebooks_import_the_package_one_way():
    imports = [(name, line.strip()) for name, source in code_cells() for line in source.splitlines()
               if re.search(r"\b(from|import) parallel_course\b", line)]
    other = [(name, line) for name, line in imports if line != "import parallel_course as pc"]
    assert not other, other


def test_all_is_exactly_what_the_notebooks_use():
    used = {name for _, source in code_cells() for name in re.findall(r"\bpc\.([A-Za-z]\w*)", source)}
    assert used <= set(pc.__all__), f"used but not exported: {sorted(used - set(pc.__all__))}"
    assert set(pc.__all__) <= used, f"exported but no notebook uses it: {sorted(set(pc.__all__) - used)}"
    assert not [name for name in used if name.startswith("_")]


def test_the_helper_reference_is_current():
    """docs/api.md lists every name with its one-line doc and first notebook (python scripts/api_reference.py)."""
    from api_reference import TARGET, text  # scripts/api_reference.py

    assert TARGET.read_text() == text(), "docs/api.md is out of date: python scripts/api_reference.py"
    assert all(f"`pc.{name}`" in TARGET.read_text() for name in pc.__all__)

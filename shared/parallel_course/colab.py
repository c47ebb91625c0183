"""Set the course up on Google Colab, where a notebook opens without the rest of the course.

Only on Colab, the launch cell at the top of each learner notebook clones the course's
repository and runs :func:`set_up` from this file (with ``runpy``: the package's own imports
are not installed yet). Colab has its own notebook server and kernel, so it gets the
course's pinned runtime requirements (pyproject.toml's layers), not the server or the test tools. Otter reads the
exercise checks from the notebook's metadata everywhere except on Colab, where it accepts
only test files, so :func:`set_up` writes them to ``tests/`` in the working directory. Otter
also reads the notebook file itself, which Colab keeps elsewhere: it gets the course's copy.
This module uses the standard library only.
"""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path


def requirement_name(line: str) -> str:
    """The package name of a requirements.txt line (``"otter-grader==7.0.0"`` -> ``"otter-grader"``)."""
    return re.split(r"[\s=<>!~;\[]", line.strip(), maxsplit=1)[0].lower()


def pinned(requirements: Path) -> dict[str, str]:
    """{package name: pinned line} of a requirements file (pip options such as ``-e .`` left out)."""
    lines = (line.split("#", 1)[0].strip() for line in Path(requirements).read_text().splitlines())
    return {requirement_name(line): line for line in lines if line and not line.startswith("-")}


def declared(pyproject: Path) -> dict[str, set[str]]:
    """The course's dependencies by layer: ``"runtime"`` (what notebooks import), then each extra."""
    project = tomllib.loads(Path(pyproject).read_text())["project"]
    layers = {"runtime": project.get("dependencies", []), **project.get("optional-dependencies", {})}
    return {layer: {requirement_name(name) for name in names} for layer, names in layers.items()}


def runtime_requirements(course: Path) -> list[str]:
    """The pinned lines of what the notebooks import: what Colab (or Gradescope) installs.

    Colab has its own notebook server and kernel and needs no test tools. The course's own package
    is not installed: the launch cell puts its folder on ``sys.path``, which works at once, where an
    editable install would need a kernel restart.
    """
    runtime = declared(Path(course) / "pyproject.toml")["runtime"]
    return [line for name, line in pinned(Path(course) / "requirements.txt").items() if name in runtime]


def write_tests(notebook: Path, tests_dir: Path) -> list[str]:
    """Write the visible checks stored in ``notebook``'s metadata as otter test files; return their names."""
    tests = json.loads(Path(notebook).read_text())["metadata"]["otter"]["tests"]
    tests_dir = Path(tests_dir)
    tests_dir.mkdir(parents=True, exist_ok=True)
    from parallel_course.otter_files import ok_test_text  # importable once set_up has put shared/ on sys.path

    for name, test in tests.items():
        (tests_dir / f"{name}.py").write_text(ok_test_text(test))
    return sorted(tests)


def installed_versions() -> dict[str, str]:
    """{distribution name: version} of everything installed."""
    return {dist.metadata["Name"].lower(): dist.version for dist in metadata.distributions()}


def loaded_and_changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Modules already imported whose distribution changed version between ``before`` and ``after``."""
    changed = {name for name, version in after.items() if before.get(name, version) != version}
    owners = metadata.packages_distributions()
    return sorted(m for m in set(sys.modules) & set(owners) if {d.lower() for d in owners[m]} & changed)


def set_up(course: str | Path, notebook: str) -> None:
    """Install what Colab lacks and put the helper package on ``sys.path``; in the working
    directory, write ``notebook``'s checks to ``tests/`` and a copy of it for otter to read."""
    course = Path(course)
    path = course / "notebooks" / notebook
    if not path.is_file():
        raise ValueError(f"notebook must be a file in {path.parent}, got {notebook!r}")
    packages = runtime_requirements(course)
    print(f"Installing {len(packages)} of the course's requirements (about a minute)...", flush=True)
    before = installed_versions()
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *packages], capture_output=True, text=True)
    if pip.returncode:
        raise RuntimeError(f"installing the course's requirements failed:\n{pip.stderr[-2000:]}")
    stale = loaded_and_changed(before, installed_versions())
    if str(course / "shared") not in sys.path:
        sys.path.insert(0, str(course / "shared"))
    checks = write_tests(path, Path("tests"))
    if not Path(notebook).exists():
        shutil.copyfile(path, notebook)
    if stale:  # stop "Run all" here rather than let old and new code of a package mix
        raise RuntimeError(
            f"The install changed {', '.join(stale)}, already loaded in another version."
            " Restart the session (Runtime > Restart session), then run this cell again."
        )
    print(f"The course is ready: {len(packages)} packages from {course}, {len(checks)} exercise checks in tests/.")

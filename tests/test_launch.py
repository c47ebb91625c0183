"""One-click launch: badges and Colab's set-up cell (scripts/launch.py), Colab's set-up
(parallel_course/colab.py), and the repository as Binder's repo2docker reads it.

Colab, Binder and the course's public repository are out of reach here, so these tests run
the real parts up to that line: the set-up cell as generated, with a local git repository
standing in for GitHub and a temporary folder for Colab's /content; otter's own test-file
reader; repo2docker's build plan without Docker.
"""

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import launch  # scripts/launch.py (scripts/ is on pytest's pythonpath)
import nbformat
import pytest
from otter.nbmeta_config import NBMetadataConfig
from otter.test_files import create_test_file

from parallel_course import colab

ROOT = Path(__file__).resolve().parents[1]

REPOSITORY = "example-org/parallel-course"  # a stand-in: the course's public repository is not named yet
NOTEBOOK = "01_runnable_parallel_overview.ipynb"
LEARNER_NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_repository_setting_is_checked(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[tool.parallel-course]\nrepository = "{REPOSITORY}"\n')
    assert launch.configured_repository(pyproject) == REPOSITORY
    pyproject.write_text("[project]\nname = 'x'\n")
    assert launch.configured_repository(pyproject) == ""
    for bad in ["parallel-course", "https://github.com/example-org/parallel-course", "a/b/c", "org/name with space"]:
        with pytest.raises(ValueError, match="repository"):
            launch.check_repository(bad)


def test_make_assign_puts_badges_and_set_up_cell_first(tmp_path):
    import assign  # scripts/assign.py

    solution = ROOT / "solutions" / NOTEBOOK
    without = nbformat.read(assign.build(solution, "", tmp_path / "without"), as_version=4)
    with_launch = nbformat.read(assign.build(solution, REPOSITORY, tmp_path / "with"), as_version=4)
    assert without.cells[0].source.startswith("# Initialize Otter")
    assert len(with_launch.cells) == len(without.cells) + 2
    badges, cell, init = with_launch.cells[:3]
    assert badges.cell_type == "markdown"
    assert f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{NOTEBOOK}" in badges.source
    assert f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?labpath=notebooks%2F{NOTEBOOK}" in badges.source
    assert cell.cell_type == "code" and cell.source == launch.colab_cell(REPOSITORY, NOTEBOOK)
    assert init.source == without.cells[0].source  # otter.Notebook() needs tests/ on Colab: set up first
    assert [c.source for c in with_launch.cells[2:]] == [c.source for c in without.cells]


def test_set_up_cell_does_nothing_off_colab(tmp_path):
    """What nbval, JupyterLab and Binder see: the guarded cell runs and changes nothing."""
    cell = launch.colab_cell(REPOSITORY, NOTEBOOK)
    result = subprocess.run([sys.executable, "-c", cell], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_readme_badges_go_between_the_markers():
    readme = (ROOT / "README.md").read_text()
    with_badges = launch.readme_with_badges(readme, REPOSITORY)
    block = with_badges.split(launch.README_START)[1].split(launch.README_END)[0]
    assert f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=lab/tree/notebooks" in block
    assert f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{NOTEBOOK}" in block
    assert launch.readme_with_badges(with_badges, "") == launch.readme_with_badges(readme, "")


def test_every_pin_is_declared_in_one_layer_and_colab_gets_the_runtime_one():
    layers = colab.declared(ROOT / "pyproject.toml")
    pins = colab.pinned(ROOT / "requirements.txt")
    named = [name for names in layers.values() for name in names]
    assert sorted(named) == sorted(pins), "each pin in requirements.txt is declared once in pyproject.toml"
    wanted = colab.runtime_requirements(ROOT)
    assert wanted == [line for name, line in pins.items() if name in layers["runtime"]]
    assert {"langchain-core", "langchain-openai", "otter-grader"} <= {colab.requirement_name(w) for w in wanted}
    assert not {colab.requirement_name(w) for w in wanted} & {"jupyterlab", "ipykernel", "pytest", "ruff"}
    assert all(re.fullmatch(r"[a-z0-9._-]+==[\w.]+", w) for w in wanted), wanted


@pytest.mark.parametrize("path", LEARNER_NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_written_test_files_are_the_notebooks_checks(path, tmp_path):
    """Otter reads each written file as the same test it reads from the notebook's metadata."""
    questions = colab.write_tests(path, tmp_path / "tests")
    assert questions and sorted(p.stem for p in (tmp_path / "tests").iterdir()) == questions
    metadata = NBMetadataConfig.from_notebook(nbformat.read(path, as_version=4))
    for question in questions:
        from_file = create_test_file(str(tmp_path / "tests" / f"{question}.py"), NBMetadataConfig())
        from_metadata = create_test_file(str(path), metadata, test_name=question)
        assert from_file.test_cases == from_metadata.test_cases and from_file.test_cases
        assert from_file.all_or_nothing == from_metadata.all_or_nothing


def test_set_up_names_a_notebook_the_course_does_not_have(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="notebook"):
        colab.set_up(ROOT, "99_missing.ipynb")
    assert list(tmp_path.iterdir()) == []  # nothing installed or written


def test_loaded_and_changed_names_only_imported_modules_whose_version_moved():
    now = colab.installed_versions()
    assert colab.loaded_and_changed(now, now) == []
    assert "pandas" in colab.loaded_and_changed({**now, "pandas": "0.0.1"}, now)  # pandas is imported here
    assert colab.loaded_and_changed({**now, "ruff": "0.0.1"}, now) == []  # installed, never imported


def make_course_repository(folder: Path) -> Path:
    """A git repository with the working tree's course files: GitHub's stand-in for the clone."""
    for name in ["shared", "notebooks", "data"]:
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ["requirements.txt", "pyproject.toml"]:
        shutil.copy(ROOT / name, folder)
    git = ["git", "-c", "user.name=course", "-c", "user.email=course@example.invalid", "-C", str(folder)]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "course"]):
        subprocess.run(git + args, check=True)
    return folder


def colab_python(folder: Path) -> Path:
    """A throw-away interpreter that sees this environment's packages but installs into its own.

    Colab's set-up runs pip; with the pins satisfied it installs nothing, and when they are
    not (the drift canary's newer packages) it must not change the environment under test.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(folder), "platbase": str(folder)}))
    (purelib / "under_test.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return folder / "bin" / "python"


@pytest.mark.full  # a course installed from a repository as Colab would: make test-full (.ci/run)
def test_set_up_cell_on_colab(tmp_path):
    """The generated cell, run as on Colab, leaves a working course and file-based checks."""
    course = make_course_repository(tmp_path / "github")
    content = tmp_path / "content"  # Colab's working directory
    content.mkdir()
    cell = launch.colab_cell(REPOSITORY, NOTEBOOK)
    stand_ins = {f"https://github.com/{REPOSITORY}": str(course), launch.COLAB_DIR: str(content / "course")}
    for remote, local in stand_ins.items():
        assert cell.count(remote) == 1, f"the cell no longer names {remote} once"
        cell = cell.replace(remote, local)
    script = textwrap.dedent(
        """
        import json, sys, types
        sys.modules["google.colab"] = types.ModuleType("google.colab")  # how the cell knows it is on Colab
        exec(CELL)
        import otter
        import parallel_course as pc
        grader = otter.Notebook(NOTEBOOK)  # the learner notebook's init cell
        nothing = grader.check("q01_when")
        speeds_up = {"translate": True, "pipeline": False, "hashing": False, "lookups": True}  # right
        shaped = grader.check("q01_when")
        print(json.dumps({"package": pc.__file__, "reviews": len(pc.load_reviews()),
                          "grades": [nothing.grade, shaped.grade], "path": shaped.path}))
        """
    )
    script = f"CELL = {cell!r}\nNOTEBOOK = {NOTEBOOK!r}\n{script}"
    result = subprocess.run(
        [str(colab_python(tmp_path / "python")), "-c", script], cwd=content, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    printed, report = result.stdout.strip().splitlines()[:-1], json.loads(result.stdout.strip().splitlines()[-1])
    assert any(line.startswith("The course is ready") for line in printed), result.stdout
    assert (content / "course" / "data" / "reviews.csv").is_file()
    assert Path(report["package"]).is_relative_to(content / "course" / "shared")
    assert report["reviews"] > 0
    assert report["grades"] == [0, 1]
    assert Path(report["path"]) == Path("tests/q01_when.py")  # a test file, as Colab demands
    visible = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())["metadata"]["otter"]["tests"]
    assert sorted(p.stem for p in (content / "tests").iterdir()) == sorted(visible)
    assert (content / NOTEBOOK).read_bytes() == (ROOT / "notebooks" / NOTEBOOK).read_bytes()


def test_binder_builds_from_environment_yml_with_python_311():
    """repo2docker (what Binder runs) plans the image from the root environment.yml.

    Binder's micromamba runs pip with environment.yml's folder as working directory and
    writes its pip list there, so ``-r requirements.txt`` and ``-e .`` resolve; so the
    repository must be copied in before the environment is installed.
    """
    repo2docker = Path(sys.executable).parent / "jupyter-repo2docker"
    result = subprocess.run(
        [str(repo2docker), "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    plan = result.stdout + result.stderr
    assert "Building conda environment for python=3.11" in plan
    copy = plan.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    install = plan.index('env update -p ${NB_PYTHON_PREFIX} --file "environment.yml"')
    assert copy < install
    assert "-r requirements.txt" in (ROOT / "environment.yml").read_text()

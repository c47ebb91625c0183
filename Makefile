# Two commands for a new user: `make lab` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := parallel-course
# Fake model latencies are multiplied by COURSE_TIME_SCALE: 1 for learners, small in tests.
TEST_TIME_SCALE ?= 0.1
NBVAL := $(BIN)/pytest -q --nbval-lax --nbval-kernel-name $(KERNEL) --nbval-cell-timeout 60 -p no:cacheprovider

.PHONY: setup lab test test-unit test-notebooks test-browser check-assign assign clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (parallel-course)"
	touch $(STAMP)

LAB_DIR ?= notebooks
LAB_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_DIR) $(ROOT_FLAG) $(LAB_ARGS)

test: setup check-assign test-unit test-notebooks test-real

check-assign: setup
	$(BIN)/python scripts/assign.py --check

test-unit: setup
	COURSE_TIME_SCALE=$(TEST_TIME_SCALE) $(BIN)/pytest -q tests --ignore=tests/browser

# JupyterLab, started as `make lab` starts it, runs notebook 01 in headless Chromium
test-browser: setup
	$(BIN)/pytest -q tests/browser

test-notebooks: setup
	COURSE_TIME_SCALE=$(TEST_TIME_SCALE) $(NBVAL) notebooks solutions

assign: setup
	$(BIN)/python scripts/assign.py $(NB)

clean:
	rm -rf build $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Real-model mode over HTTP: every learner notebook (notebooks added later included) runs
# against tests/openai_server.py on 127.0.0.1, with a throw-away key and no network.
# An HTTP call costs 5-15 ms against the fake's 0.3 ms, hence a larger time scale.
REAL_TIME_SCALE ?= 0.3
.PHONY: test-real
test-real: setup
	COURSE_TIME_SCALE=$(REAL_TIME_SCALE) $(BIN)/python tests/openai_server.py -- $(NBVAL) -p openai_server $(sort $(wildcard notebooks/*.ipynb))

# Grading (docs/instructors.md). `make grade SUBMISSIONS=folder [OUT=build/grades] [WORKERS=n] [TIMEOUT=s]`
# grades every .ipynb under the folder with the tests of build/autograder/*.zip, in parallel, no Docker.
# `make autograder` runs `make assign`, then writes Gradescope-ready copies of the zips to build/gradescope/.
OUT ?= build/grades
GRADE_ARGS ?=
.PHONY: grade autograder
grade: setup
	$(if $(SUBMISSIONS),,$(error give the submissions folder: make grade SUBMISSIONS=path/to/folder))
	$(BIN)/python scripts/grade.py "$(SUBMISSIONS)" --out "$(OUT)" $(if $(WORKERS),--workers $(WORKERS)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(GRADE_ARGS)

autograder: assign
	$(BIN)/python scripts/grade.py --gradescope build/gradescope

# Two commands for a new user: `make lab` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := parallel-course
# Fake model latencies are multiplied by COURSE_TIME_SCALE: 1 for learners, small in tests.
TEST_TIME_SCALE ?= 0.1
NBVAL := $(BIN)/pytest -q --nbval-lax --nbval-kernel-name $(KERNEL) --nbval-cell-timeout 60 -p no:cacheprovider

.PHONY: setup lab test test-unit test-notebooks check-assign assign clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (parallel-course)"
	touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks

test: setup check-assign test-unit test-notebooks

check-assign: setup
	$(BIN)/python scripts/assign.py --check

test-unit: setup
	COURSE_TIME_SCALE=$(TEST_TIME_SCALE) $(BIN)/pytest -q tests

test-notebooks: setup
	COURSE_TIME_SCALE=$(TEST_TIME_SCALE) $(NBVAL) notebooks solutions

assign: setup
	$(BIN)/python scripts/assign.py $(NB)

clean:
	rm -rf build $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

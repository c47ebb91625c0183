# Two commands for a new user: `make lab` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := parallel-course
# Fake model latencies are multiplied by COURSE_TIME_SCALE: 1 for learners, small in tests.
TEST_TIME_SCALE ?= 0.1
# Tests never reach a paid model, even when the shell or a .env sets OPENAI_API_KEY.
OFFLINE := COURSE_MODEL=fake
# Parallelism sized to the machine's CORES (`nproc`): each notebook on one pytest worker, its cells in order.
# The notebook session takes JOBS = a worker a core; the real-model session beside it REAL_JOBS = a worker a
# core too (its notebooks wait on the server), the unit tests JOBS, the browser's two files side by side and the
# grader's three (both wait much of the time: on kernels, servers, timeouts). `make test JOBS=1 REAL_JOBS=1` on a
# crowded machine.
# The workers take the notebooks longest first, by their times in the last run (tests/notebook_times.py).
CORES := $(shell nproc 2>/dev/null || echo 2)
JOBS ?= $(CORES)
PARALLEL := -n $(JOBS) --dist loadfile --no-loadscope-reorder
NBVAL := --nbval-lax --nbval-kernel-name $(KERNEL) --nbval-cell-timeout 60
PYTEST := $(BIN)/pytest -q
BROWSER := $(wildcard /usr/bin/chromium)

.PHONY: setup lab test test-full test-marked-full lint check-assign test-notebooks test-unit test-browser test-grading test-real \
	test-real-matrix test-latest \
	assign grade similarity autograder bench soak site clean

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

# Four sessions side by side: the notebooks and the real-model ones wait on latencies much of the time, the
# unit and grading tests on kernels and timeouts, so together they keep the cores busy; the notebooks start
# last (make starts the goals in order). --output-sync keeps each session's report whole.
test: setup lint
	@$(MAKE) --no-print-directory -j 4 --output-sync=target test-real test-grading test-unit test-notebooks

# make test, then what does not fit its budget (.ci/run runs it), side by side: the browser's checks, and the
# tests marked `full`: every solved learner notebook graded by scripts/grade.py, the capstone's wrong designs,
# and the forging, hostile and attacking classes graded by a root grader and by one that is not
test-full: test
	$(if $(BROWSER),,@echo "test-browser skipped: /usr/bin/chromium is not installed (apt-get install chromium)")
	@$(MAKE) --no-print-directory -j 2 --output-sync=target test-marked-full $(if $(BROWSER),test-browser)

test-marked-full: setup check-assign
	$(OFFLINE) COURSE_TIME_SCALE=$(TEST_TIME_SCALE) $(PYTEST) $(PARALLEL) -m full tests

lint: setup
	$(BIN)/ruff check shared tests scripts conftest.py solutions notebooks docs/website

# otter assign, one solution at a time, only when it (or the tools) changed: build/assign/NN_name/ holds
# its learner notebook, build/autograder/NN_name.zip its tests (the exercise trials and grading read them)
SOLUTIONS := $(sort $(wildcard solutions/[0-9][0-9]_*.ipynb))
ZIPS := $(patsubst solutions/%.ipynb,build/autograder/%.zip,$(SOLUTIONS))
build/autograder/%.zip: solutions/%.ipynb scripts/assign.py scripts/launch.py pyproject.toml $(STAMP)
	$(BIN)/python scripts/assign.py --build $*

# notebooks/ and the README against the build of solutions/: reads, writes nothing in the repository
check-assign: $(ZIPS)
	$(BIN)/python scripts/assign.py --check

# nbval over every learner and solution notebook, with the exercise trials (tests/exercises.py):
# wrong answers and solutions through the learners' checks, every solution's tests from its
# autograder zip as grading runs them.
test-notebooks: setup check-assign
	$(OFFLINE) COURSE_TIME_SCALE=$(TEST_TIME_SCALE) $(PYTEST) $(PARALLEL) $(NBVAL) --exercise-trials notebooks

# The unit tests: the package, the scripts, the test tools, the layout (all of tests/ but the end-to-end tests)
test-unit: setup check-assign
	$(OFFLINE) COURSE_TIME_SCALE=$(TEST_TIME_SCALE) $(PYTEST) -n $(JOBS) --dist loadfile tests --ignore=tests/browser \
		$(addprefix --ignore=,$(GRADING_TESTS))

# JupyterLab, started as `make lab` starts it, runs notebook 01 in headless Chromium; the website,
# built with notebooks 01 and 02 executed, is opened page by page
test-browser: setup
	$(OFFLINE) $(PYTEST) -n 2 --dist loadfile tests/browser

# The grader end to end (make grade, docs/instructors.md): classes of honest, broken, hostile and forging
# submissions, each run in its sandbox from a fresh autograder zip, and a batch killed and resumed; three
# files at a time (each grader run waits on its notebooks much of the time)
GRADING_TESTS := tests/test_grading.py tests/test_hostile_folder.py tests/test_sandbox.py tests/test_sandbox_without_root.py tests/test_forgery.py tests/test_fairness.py tests/test_lms.py
test-grading: setup
	$(OFFLINE) COURSE_TIME_SCALE=$(TEST_TIME_SCALE) $(PYTEST) -n 3 --dist loadfile $(GRADING_TESTS)

# Real-model mode over HTTP: the learner notebooks whose solution calls a real model
# (tests/real_calls.py finds them by reading solutions/, so a new notebook is covered) run
# against tests/openai_server.py on 127.0.0.1, with a throw-away key and no network. The server
# behaves like a provider the course does not control: it ignores the course's hints and draws
# each call's latency (LATENCY range, seconds, with a slow tail up to 3x its top), odd answers,
# and 429 and 500 with Retry-After, from SEED. make test runs the first SEED and LATENCY range,
# so every run of make test tests the same provider behaviour (all six pairs take about 7
# minutes, over make test's budget); test-real-matrix runs all six (.ci/run does). The exercise trials run each solution through
# its learner's check, which must pass it. REAL_JOBS workers beside the offline session, JOBS in
# test-real-matrix, which runs alone. Their fake models (fake=True) wait 3x the offline scale: this session runs beside
# the offline one at full load, where 30 ms fake latencies drown in scheduling delays (a
# jitter demo of 07 failed so); the extra time is spent waiting.
REAL_SEEDS := 1 2 3
REAL_LATENCIES := 0.03-0.2 0.05-0.8
REAL_TIME_SCALE ?= 0.3
REAL_JOBS ?= $(CORES)
REAL_PARALLEL := -n $(REAL_JOBS) --dist loadfile --no-loadscope-reorder
# read on first use, once per make (the scan reads every solution)
REAL_NOTEBOOKS = $(eval REAL_NOTEBOOKS := $$(shell $(BIN)/python tests/real_calls.py))$(REAL_NOTEBOOKS)
SEED ?= $(firstword $(REAL_SEEDS))
LATENCY ?= $(firstword $(REAL_LATENCIES))
test-real: setup
	$(if $(REAL_NOTEBOOKS),,$(error tests/real_calls.py found no notebook that calls a real model))
	COURSE_TIME_SCALE=$(REAL_TIME_SCALE) $(BIN)/python tests/openai_server.py --seed $(SEED) --latency $(LATENCY) -- \
		$(PYTEST) $(REAL_PARALLEL) $(NBVAL) --exercise-trials -p openai_server $(REAL_NOTEBOOKS)

# test-real at every seed and latency range; reports every pair that failed
test-real-matrix: setup
	@failed=""; for latency in $(REAL_LATENCIES); do for seed in $(REAL_SEEDS); do \
		echo "test-real-matrix: SEED=$$seed LATENCY=$$latency"; \
		$(MAKE) --no-print-directory test-real SEED=$$seed LATENCY=$$latency REAL_JOBS=$(JOBS) || failed="$$failed SEED=$$seed/LATENCY=$$latency"; \
	done; done; \
	if [ -n "$$failed" ]; then echo "test-real-matrix failed at:$$failed"; exit 1; fi

# Dependency-drift canary (not part of `make test`): the newest releases of the course's key
# packages in a separate venv, then the whole suite. See CONTRIBUTING.md when it fails.
LATEST := langchain-core langchain-openai langgraph otter-grader nbval jupyterlab
test-latest:
	$(MAKE) --no-print-directory setup VENV=.venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade $(LATEST)
	@echo "test-latest runs with:"; .venv-latest/bin/python -m pip list 2>/dev/null | grep -iE "^($(shell echo $(LATEST) | tr ' ' '|')) "
	$(MAKE) --no-print-directory test-full VENV=.venv-latest

# make assign [NB="02 03"]: clean the solutions, build what changed, copy the learner notebooks to notebooks/
assign: setup
	$(BIN)/python scripts/assign.py --clean $(NB)
	@$(MAKE) --no-print-directory $(if $(NB),$(filter $(foreach n,$(NB),build/autograder/$(n)%),$(ZIPS)),$(ZIPS))
	$(BIN)/python scripts/assign.py --install $(NB)

# Steadiness (not part of `make test`): `make test` RUNS times beside HOGS busy cores; pass count and times
RUNS ?= 5
HOGS ?= 2
soak: setup
	scripts/soak.sh $(RUNS) $(HOGS)

# Performance sweeps (not part of `make test`): CSV and PNG plots in build/bench/, about a minute on 2 cores
bench: setup
	$(OFFLINE) COURSE_TIME_SCALE=$(TEST_TIME_SCALE) $(BIN)/python scripts/bench.py

# The course website (docs/site.md): build/site/, every learner notebook executed at the human time
# scale, SITE_JOBS at a time, through a cache in build/site-work/ (a rebuild executes only what changed)
SITE_TIME_SCALE ?= 1
SITE_JOBS ?= 4
site: setup
	$(OFFLINE) COURSE_TIME_SCALE=$(SITE_TIME_SCALE) $(BIN)/python scripts/build_site.py --jobs $(SITE_JOBS)

# Grading (docs/instructors.md). `make grade SUBMISSIONS=folder [OUT=build/grades] [WORKERS=n] [TIMEOUT=s] [ONLY=student]`
# grades every .ipynb under the folder with the tests of build/autograder/*.zip, in parallel, no Docker,
# then writes the similarity report (GRADE_ARGS=--no-similarity: not). SUBMISSIONS may be an LMS's zip;
# LMS=canvas (with LMS_ASSIGNMENT="Name (id)") or LMS=moodle (with LMS_WORKSHEET=worksheet.csv) also
# writes the gradebook's import to OUT.
# `make autograder` runs `make assign`, then writes Gradescope-ready copies of the zips to build/gradescope/.
OUT ?= build/grades
GRADE_ARGS ?=
grade: setup
	$(if $(SUBMISSIONS),,$(error give the submissions folder or zip: make grade SUBMISSIONS=path/to/folder))
	$(OFFLINE) $(BIN)/python scripts/grade.py "$(SUBMISSIONS)" --out "$(OUT)" $(if $(WORKERS),--workers $(WORKERS)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) \
		$(if $(ONLY),--only "$(ONLY)") \
		$(if $(LMS),--lms $(LMS)) $(if $(LMS_ASSIGNMENT),--lms-assignment "$(LMS_ASSIGNMENT)") \
		$(if $(LMS_WORKSHEET),--lms-worksheet "$(LMS_WORKSHEET)") $(GRADE_ARGS)

# The similarity report alone, no grading (docs/instructors.md, "Similarity report"): `make similarity
# SUBMISSIONS=folder [OUT=build/grades] [THRESHOLD=0.6]` writes OUT/similarity.html and .csv; text only
similarity: setup
	$(if $(SUBMISSIONS),,$(error give the submissions folder: make similarity SUBMISSIONS=path/to/folder))
	$(BIN)/python -m course_tools.grading.similarity "$(SUBMISSIONS)" --out "$(OUT)" $(if $(THRESHOLD),--threshold $(THRESHOLD))

autograder: assign
	$(BIN)/python scripts/grade.py --gradescope build/gradescope

clean:
	rm -rf build $(VENV) .venv-latest .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

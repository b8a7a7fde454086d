# Re-examining the survey figures in "The Chasm Between Us".
# `make reports` builds the environment if needed and renders every report; `make test` tests.
# Each report reports/<run>.ipynb is notebooks/<notebook>.ipynb run with
# notebooks/params/<run>.yaml (run = <notebook> or <notebook>--<variant>).

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
KERNEL := chasm
# Kernels are looked up in the project's venv first: notebooks always run on its interpreter.
export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# One BLAS thread per process: make runs one kernel per job (-j2: two on two cores) and the
# analysis's matrices are tiny, so BLAS helper threads only add waiting (each small BLAS call of
# L-BFGS-B waited for a helper thread on a busy machine). Every table and figure is identical.
export OPENBLAS_NUM_THREADS := 1
# The package's bytecode is cached (src/chasm/**/__pycache__, ignored by git) even where the
# environment says not to (PYTHONDONTWRITEBYTECODE=1 was set on the machine of 2026-12-05):
# without the cache every kernel, build and test process compiled every module of the package
# again (about 5 s of CPU in one build of every run there, 4% of it).
unexport PYTHONDONTWRITEBYTECODE
# The checkout this make builds: the build refuses a chasm package imported from another one.
export CHASM_MAKE_ROOT := $(CURDIR)
# Kernels are forked from a warm template that lives as long as this make (src/chasm/build/kernel.py);
# a make started by a test or by another make shares its caller's template.
ifndef CHASM_WARM_OWNER
export CHASM_WARM_OWNER := $(shell echo $$PPID)
endif

SRC := $(sort $(wildcard src/chasm/*.py src/chasm/*/*.py src/chasm/site/templates/*))
# What every run depends on besides its own inputs: the package and the pinned libraries (a
# library upgrade rebuilds the reports).
COMMON := $(SRC) requirements.lock
METADATA := $(sort $(wildcard data/raw/metadata/*.yaml data/schema/*.schema.json))
RAW_FIGURES := $(sort $(wildcard data/raw/*_figures.csv))
FIGURES := data/processed/figures.csv
ERRORS := data/raw/levada_error_table.csv
POPULATION := $(sort $(wildcard data/raw/rosstat_population_*.csv))
SOURCES := data/raw/sources.csv
APPROVAL := data/raw/putin_approval_monthly.csv
CLAIMS := $(sort $(wildcard data/claims/*.csv))
PLAN := data/plan.yaml

# What each notebook reads (the build fails if a notebook reads anything not listed here),
# and what it writes besides its report.
INPUTS_01_ingest := $(RAW_FIGURES) data/raw/sources.csv $(METADATA)
OUTPUTS_01_ingest := $(FIGURES)
INPUTS_02_uncertainty := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(SOURCES) $(METADATA)
INPUTS_03_waves := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(PLAN) $(SOURCES)
INPUTS_04_multiresponse := $(FIGURES) $(ERRORS) $(SOURCES) $(METADATA)
INPUTS_05_subgroups := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(SOURCES) $(METADATA)
INPUTS_06_claims := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(SOURCES) $(CLAIMS) $(PLAN)
INPUTS_07_interpretation := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(SOURCES) $(CLAIMS) $(PLAN)
INPUTS_08_series := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(SOURCES) $(PLAN)
INPUTS_09_methods := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(SOURCES) $(METADATA) $(PLAN)

# A run's name becomes a make target: names make cannot express (spaces, #, :, ...) are left
# out of RUNS and refused by every target but help, clean and distclean (which name them).
PARAMS_OK := notebooks/params/[A-Za-z0-9_.+=-]*\.yaml
BAD_PARAMS := $(shell LC_ALL=C find notebooks/params -maxdepth 1 -name '*.yaml' \
  ! -regex '$(PARAMS_OK)' 2>/dev/null)
RUNS := $(sort $(basename $(notdir $(shell LC_ALL=C find notebooks/params -maxdepth 1 \
  -regex '$(PARAMS_OK)' 2>/dev/null))))
QUIET_GOALS := help clean distclean
BUILD_GOALS := $(filter-out $(QUIET_GOALS),$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL)))
BAD_PARAMS_MESSAGE := params file name(s) make cannot use: $(BAD_PARAMS); rename using only \
  letters, digits and _ . + = -
ifneq ($(BAD_PARAMS),)
ifneq ($(BUILD_GOALS),)
$(error $(BAD_PARAMS_MESSAGE))
endif
endif
REPORTS := $(RUNS:%=reports/%.ipynb)
notebook_of = $(firstword $(subst --, ,$(1)))
ORPHANS := $(strip $(foreach run,$(RUNS),$(if $(wildcard notebooks/$(call notebook_of,$(run)).ipynb),,$(run))))
ifneq ($(ORPHANS),)
ifneq ($(BUILD_GOALS),)
$(error params file(s) for notebooks that do not exist: $(ORPHANS:%=notebooks/params/%.yaml); remove them or restore the notebook)
endif
endif
# Everything a run reads besides the package: its notebook and the notebook's jupytext pair
# (notebooks/<notebook>.py: an edit to either rebuilds; a pair out of sync is refused by the
# stamp step), its params file, the notebook's inputs.
run_inputs = notebooks/$(2).ipynb $(wildcard notebooks/$(2).py) notebooks/params/$(1).yaml \
  $(INPUTS_$(2))
# Content stamps (chasm.build.stamps): rewritten only when an input's content or the input list
# changes, so copies with old dates and deleted inputs rebuild what they affect.
MANIFESTS := $(RUNS:%=.build/inputs/%.sha)
# Inputs that another run writes (data/processed/figures.csv) are left to dates: their content
# changes during the make that rebuilds them, after the stamps were taken.
GENERATED := $(foreach nb,$(sort $(foreach run,$(RUNS),$(call notebook_of,$(run)))),$(OUTPUTS_$(nb)))

.PHONY: help venv reports report build-reports test test-unit test-reports test-stale lab sync \
  screenshots bench clean distclean FORCE

help: ## list the targets (works whatever notebooks/params holds)
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'
	@echo "  runs: $(RUNS)"
	$(if $(BAD_PARAMS),@echo "  ! $(BAD_PARAMS_MESSAGE)" >&2)

venv: $(STAMP) ## create .venv from requirements.lock (only when missing or outdated)

# The git hooks (.githooks/pre-commit runs the hooks of .pre-commit-config.yaml with the venv's
# tools; no network, no pre-commit package) are installed with the venv, in a git checkout.
$(STAMP): requirements.lock pyproject.toml
	@echo "> creating $(VENV) from requirements.lock (once; about a minute)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -m chasm.build kernel
	-@git rev-parse --git-dir >/dev/null 2>&1 && git config core.hooksPath .githooks \
	  && echo "git hooks installed (core.hooksPath = .githooks)"
	@touch $@

# make reports: every run and the index, all or nothing (chasm.build's driver stages the
# previous tree, runs make build-reports, and restores that tree if anything fails).
# (make -q first: when nothing is out of date the driver is not even started.)
reports: | $(STAMP) ## run every notebook with every params file into reports/ (all or nothing)
	@+$(MAKE) -q --no-print-directory build-reports 2>/dev/null \
	  || $(PY) -m chasm.build reports -- $(MAKE) --no-print-directory build-reports

report: | $(STAMP) ## build one run and refresh the index: make report RUN=<run>
	@+$(if $(filter $(RUN),$(RUNS)),$(PY) -m chasm.build reports --index -- $(MAKE) \
	  --no-print-directory reports/$(RUN).ipynb,echo "make report RUN=<run>: RUN must be one of: $(RUNS)" >&2; exit 2)

build-reports: $(REPORTS) reports/index.html

$(MANIFESTS) .build/runs.sha &: FORCE | $(STAMP)
	@+$(PY) -m chasm.build.stamps --common $(COMMON) \
	  $(foreach run,$(RUNS),--run $(run) $(filter-out $(GENERATED),$(call run_inputs,$(run),$(call notebook_of,$(run)))))

# One rule per run: the report depends on its notebook, its params file, the package and the
# data it reads, by date and by content (its stamp). The default run of a notebook also
# produces that notebook's OUTPUTS_.
define run_rule
reports/$(1).ipynb reports/$(1).html $(if $(filter $(1),$(2)),$(OUTPUTS_$(2))) &: $(call run_inputs,$(1),$(2)) $(COMMON) .build/inputs/$(1).sha | $(STAMP)
	@$(PY) -m chasm.build run $(1) --inputs $(INPUTS_$(2)) --depends $(call run_inputs,$(1),$(2)) $(COMMON)
endef
$(foreach run,$(RUNS),$(eval $(call run_rule,$(run),$(call notebook_of,$(run)))))
# chasm.build publishes a run's outputs only when the whole run succeeded, so after a failure
# they are the previous, valid ones: make must keep them (GNU make 4.3 would otherwise delete
# the untouched other targets of a grouped rule on error or interrupt).
.PRECIOUS: $(REPORTS) $(REPORTS:.ipynb=.html) \
  $(foreach run,$(RUNS),$(OUTPUTS_$(run))) reports/index.html

# The index also follows the list of runs: a removed params file removes its run's outputs.
reports/index.html: $(REPORTS) src/chasm/build/driver.py .build/runs.sha | $(STAMP)
	@$(PY) -m chasm.build index
	@touch $@  # the index rewrites only what changed: make must still see it done

# Every run with every file it depends on (generated ones included): what each report records
# as the digest of its inputs, and what `make test` compares it with.
DEPENDS = $(foreach run,$(RUNS),--run $(run) $(call run_inputs,$(run),$(call notebook_of,$(run))))
NBVAL := --nbval --nbval-kernel-name $(KERNEL) --nbval-sanitize-with tests/nbval_sanitize.cfg
# Tests run in one pytest-xdist worker per core (TEST_WORKERS=1: one process); --dist loadfile
# keeps each file (a report's cells under nbval, an end-to-end module) on one worker, in order.
# Files are handed out in the order given (--no-loadscope-reorder; xdist would start with the
# files of most tests): tests/e2e first, whose files each take tens of seconds, so that the
# many short files fill both workers at the end instead of one long file running alone.
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test: $(STAMP) ## check the reports are up to date, then unit tests and nbval over the reports (every core)
	@$(PY) -m chasm.build.stamps --check --common $(COMMON) $(DEPENDS)
	$(PY) -m pytest $(XDIST) tests/e2e tests $(wildcard reports/*.ipynb) $(NBVAL) $(PYTEST_ARGS)

test-unit: $(STAMP) ## the unit, property and end-to-end tests only (PYTEST_ARGS=... adds options)
	$(PY) -m pytest $(XDIST) tests/e2e tests $(PYTEST_ARGS)

test-reports: $(STAMP) ## nbval only: re-execute the committed reports and compare their outputs
	@$(PY) -m chasm.build.stamps --check --common $(COMMON) $(DEPENDS)
	$(PY) -m pytest $(XDIST) $(wildcard reports/*.ipynb) $(NBVAL) $(PYTEST_ARGS)

test-stale: $(STAMP) ## only check that the committed reports are up to date with data and code
	@$(PY) -m chasm.build.stamps --check --common $(COMMON) $(DEPENDS)

# JupyterLab served from the repository root (where jupytext finds jupytext.toml, so a save
# keeps the pairing), opening on notebooks/. Runs in Lab write to .build/scratch/ (chasm.paths).
lab: $(STAMP) ## JupyterLab on the project's environment and kernel, opening on notebooks/
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  --ServerApp.default_url=/lab/tree/notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

sync: $(STAMP) ## sync each notebook with its .py (jupytext --sync: the newer file wins)
	$(VENV)/bin/jupytext --sync $(wildcard notebooks/[0-9][0-9]_*.ipynb)

screenshots: $(STAMP) ## whole-page screenshots of every page at 1280 and 400 px in .screenshots/ (the browser test)
	CHASM_SCREENSHOTS=full $(PY) -m pytest -n0 tests/e2e/test_browser.py $(PYTEST_ARGS)

bench: $(STAMP) ## time scripts vs make reports (serial, -j2, no-op) and make test; BENCH_ARGS=--profile
	$(PY) tools/bench.py $(BENCH_ARGS)

clean: ## remove build leftovers (.build, caches); the venv and the committed reports stay
	rm -rf .build reports/.staging .pytest_cache src/*.egg-info

distclean: clean ## clean, and remove the venv too
	rm -rf $(VENV)

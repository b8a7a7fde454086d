# Re-examining the survey figures in "The Chasm Between Us".
# `make reports` builds the environment if needed and renders every report; `make test` tests.
# Each report reports/<run>.ipynb is notebooks/<notebook>.ipynb run with
# notebooks/params/<run>.yaml (run = <notebook> or <notebook>--<variant>).

SHELL := /bin/bash
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
# The checkout this make builds: the build refuses a chasm package imported from another one.
export CHASM_MAKE_ROOT := $(CURDIR)
# Kernels are forked from a warm template that lives as long as this make (src/chasm/kernel.py);
# a make started by a test or by another make shares its caller's template.
ifndef CHASM_WARM_OWNER
export CHASM_WARM_OWNER := $(shell echo $$PPID)
endif

SRC := $(sort $(wildcard src/chasm/*.py src/chasm/stats/*.py src/chasm/templates/*))
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
INPUTS_03_waves := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(SOURCES) $(PLAN)
INPUTS_04_multiresponse := $(FIGURES) $(ERRORS) $(SOURCES) $(METADATA)
INPUTS_05_subgroups := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(SOURCES) $(METADATA)
INPUTS_06_claims := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(SOURCES) $(CLAIMS) $(PLAN)
INPUTS_07_interpretation := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(SOURCES) $(CLAIMS) $(PLAN)
INPUTS_08_series := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(SOURCES) $(PLAN)

# A run's name becomes a make target: refuse names make cannot express (spaces, #, :, ...).
BAD_PARAMS := $(shell LC_ALL=C find notebooks/params -maxdepth 1 -name '*.yaml' \
  ! -regex 'notebooks/params/[A-Za-z0-9_.+=-]*\.yaml' 2>/dev/null)
ifneq ($(BAD_PARAMS),)
$(error params file name(s) make cannot use: $(BAD_PARAMS); rename using only letters, digits and _ . + = -)
endif
RUNS := $(sort $(basename $(notdir $(wildcard notebooks/params/*.yaml))))
REPORTS := $(RUNS:%=reports/%.ipynb)
notebook_of = $(firstword $(subst --, ,$(1)))
ORPHANS := $(strip $(foreach run,$(RUNS),$(if $(wildcard notebooks/$(call notebook_of,$(run)).ipynb),,$(run))))
ifneq ($(ORPHANS),)
$(error params file(s) for notebooks that do not exist: $(ORPHANS:%=notebooks/params/%.yaml); remove them or restore the notebook)
endif
# Everything a run reads besides the package: its notebook, its params file, the notebook's inputs.
run_inputs = notebooks/$(2).ipynb notebooks/params/$(1).yaml $(INPUTS_$(2))
# Content stamps (chasm.manifest): rewritten only when an input's content or the input list
# changes, so copies with old dates and deleted inputs rebuild what they affect.
MANIFESTS := $(RUNS:%=.build/inputs/%.sha)
# Inputs that another run writes (data/processed/figures.csv) are left to dates: their content
# changes during the make that rebuilds them, after the stamps were taken.
GENERATED := $(foreach nb,$(sort $(foreach run,$(RUNS),$(call notebook_of,$(run)))),$(OUTPUTS_$(nb)))

.PHONY: help venv reports test lab bench clean FORCE
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

venv: $(STAMP) ## create .venv from requirements.lock (only when missing or outdated)

$(STAMP): requirements.lock pyproject.toml
	@echo "▶ creating $(VENV) from requirements.lock (once; about a minute)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -m chasm.build kernel
	@touch $@

reports: $(REPORTS) reports/index.html ## run every notebook with every params file into reports/

$(MANIFESTS) .build/runs.sha &: FORCE | $(STAMP)
	@+$(PY) -m chasm.manifest --common $(SRC) \
	  $(foreach run,$(RUNS),--run $(run) $(filter-out $(GENERATED),$(call run_inputs,$(run),$(call notebook_of,$(run)))))

# One rule per run: the report depends on its notebook, its params file, the package and the
# data it reads, by date and by content (its stamp). The default run of a notebook also
# produces that notebook's OUTPUTS_.
define run_rule
reports/$(1).ipynb reports/$(1).html $(if $(filter $(1),$(2)),$(OUTPUTS_$(2))) &: $(call run_inputs,$(1),$(2)) $(SRC) .build/inputs/$(1).sha | $(STAMP)
	@$(PY) -m chasm.build run $(1) --inputs $(INPUTS_$(2))
endef
$(foreach run,$(RUNS),$(eval $(call run_rule,$(run),$(call notebook_of,$(run)))))
# chasm.build publishes a run's outputs only when the whole run succeeded, so after a failure
# they are the previous, valid ones: make must keep them (GNU make 4.3 would otherwise delete
# the untouched other targets of a grouped rule on error or interrupt).
.PRECIOUS: $(REPORTS) $(REPORTS:.ipynb=.html) \
  $(foreach run,$(RUNS),$(OUTPUTS_$(run))) reports/index.html

# The index also follows the list of runs: a removed params file removes its run's outputs.
reports/index.html: $(REPORTS) src/chasm/build.py .build/runs.sha | $(STAMP)
	@$(PY) -m chasm.build index
	@touch $@  # the index rewrites only what changed: make must still see it done

test: $(STAMP) ## unit tests, then nbval over the committed reports
	$(PY) -m pytest tests $(wildcard reports/*.ipynb) --nbval --nbval-kernel-name $(KERNEL) \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg

lab: $(STAMP) ## JupyterLab on the project's environment and kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP) ## time scripts vs make reports (serial, -j2, no-op) and make test; BENCH_ARGS=--profile
	$(PY) tools/bench.py $(BENCH_ARGS)

clean: ## remove the venv and build leftovers (committed reports stay)
	rm -rf $(VENV) .build reports/.staging .pytest_cache src/*.egg-info

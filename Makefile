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
# Kernels are forked from a warm template that lives as long as this make (src/chasm/kernel.py);
# a make started by a test or by another make shares its caller's template.
ifndef CHASM_WARM_OWNER
export CHASM_WARM_OWNER := $(shell echo $$PPID)
endif

SRC := $(sort $(wildcard src/chasm/*.py src/chasm/stats/*.py src/chasm/templates/*))
METADATA := $(sort $(wildcard data/raw/metadata/*.yaml))
RAW_FIGURES := $(sort $(wildcard data/raw/*_figures.csv))
FIGURES := data/processed/figures.csv
ERRORS := data/raw/levada_error_table.csv
POPULATION := data/raw/rosstat_population_2024-01-01.csv
APPROVAL := data/raw/putin_approval_monthly.csv
CLAIMS := data/claims.csv

# What each notebook reads (the build fails if a notebook reads anything not listed here),
# and what it writes besides its report.
INPUTS_01_ingest := $(RAW_FIGURES) data/raw/sources.csv $(METADATA)
OUTPUTS_01_ingest := $(FIGURES)
INPUTS_02_uncertainty := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA)
INPUTS_03_waves := $(FIGURES) $(ERRORS) $(METADATA)
INPUTS_04_multiresponse := $(FIGURES) $(ERRORS) $(METADATA)
INPUTS_05_subgroups := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA)
INPUTS_06_claims := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(CLAIMS)
INPUTS_07_interpretation := $(FIGURES) $(ERRORS) $(POPULATION) $(APPROVAL) $(METADATA) $(CLAIMS)

RUNS := $(sort $(basename $(notdir $(wildcard notebooks/params/*.yaml))))
REPORTS := $(RUNS:%=reports/%.ipynb)
notebook_of = $(firstword $(subst --, ,$(1)))

.PHONY: help venv reports test lab bench clean
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

# One rule per run: the report depends on its notebook, its params file, the package and the
# data it reads. The default run of a notebook also produces that notebook's OUTPUTS_.
define run_rule
reports/$(1).ipynb reports/$(1).html reports/$(1).reader.html $(if $(filter $(1),$(2)),$(OUTPUTS_$(2))) &: notebooks/$(2).ipynb notebooks/params/$(1).yaml $(SRC) $(INPUTS_$(2)) | $(STAMP)
	@$(PY) -m chasm.build run $(1) --inputs $(INPUTS_$(2))
endef
$(foreach run,$(RUNS),$(eval $(call run_rule,$(run),$(call notebook_of,$(run)))))
# chasm.build publishes a run's outputs only when the whole run succeeded, so after a failure
# they are the previous, valid ones: make must keep them (GNU make 4.3 would otherwise delete
# the untouched other targets of a grouped rule on error or interrupt).
.PRECIOUS: $(REPORTS) $(REPORTS:.ipynb=.html) $(REPORTS:.ipynb=.reader.html) \
  $(foreach run,$(RUNS),$(OUTPUTS_$(run))) reports/index.html

reports/index.html: $(REPORTS) src/chasm/build.py | $(STAMP)
	@$(PY) -m chasm.build index

test: $(STAMP) ## unit tests, then nbval over the committed reports
	$(PY) -m pytest tests $(wildcard reports/*.ipynb) --nbval --nbval-kernel-name $(KERNEL) \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg

lab: $(STAMP) ## JupyterLab on the project's environment and kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP) ## time scripts vs make reports (serial, -j2, no-op) and make test; BENCH_ARGS=--profile
	$(PY) tools/bench.py $(BENCH_ARGS)

clean: ## remove the venv and build leftovers (committed reports stay)
	rm -rf $(VENV) reports/.staging .pytest_cache src/*.egg-info

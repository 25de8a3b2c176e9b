# Madoguchi — `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export MADOGUCHI_DATABASE_URL ?= sqlite+aiosqlite:///./madoguchi.db

.DEFAULT_GOAL := help
.PHONY: help setup setup-dev run test test-sqlite test-clock services lint format migrate seed bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

MODEL := var/nlu/intent-model.pkl
NLU_SOURCES := $(wildcard src/madoguchi/nlu/data/train/*.tsv) src/madoguchi/nlu/intent.py src/madoguchi/nlu/normalize.py src/madoguchi/nlu/data.py

# The intent model is built from the training data; it is rebuilt when the data or the NLU code changes.
$(MODEL): $(VENV)/.installed $(NLU_SOURCES)
	$(BIN)/madoguchi nlu train --out $@

setup: $(VENV)/.installed $(MODEL) ## create .venv, install Madoguchi and build the intent model (idempotent)

setup-dev: $(VENV)/.installed-dev ## install the test, lint and benchmark tools as well

# SEED_FLAGS=--no-history starts the demo without its month of history (docs/operations.md).
SEED_FLAGS ?=

run: setup ## serve the demo marketplace at http://127.0.0.1:8000 on SQLite (seeded, with its history, on first start)
	$(BIN)/madoguchi db upgrade
	$(BIN)/madoguchi seed --if-empty $(SEED_FLAGS)
	$(BIN)/madoguchi serve --host $(HOST) --port $(PORT)

services: ## start PostgreSQL, Redis (and install Chromium) when they are missing
	bash scripts/services.sh

test: setup setup-dev services ## run the whole suite on SQLite and on PostgreSQL + Redis, then under faked wall clocks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory test-clock

# The tests of every rule that reads the time, with the machine's wall clock faked (libfaketime, in Tokyo's
# zone) to the hours that once broke them: a weekday night, a public holiday's noon, a Sunday's last minute.
# The clock the tests set must be the only time the code reads, whatever the wall clock says.
FAKED_TIMES := 2026-12-08T03:30:00 2027-01-01T12:00:00 2026-12-13T23:59:00
TIME_TESTS := tests/routing tests/bot tests/channels tests/domain tests/commerce tests/web/test_routing_api.py tests/web/test_photos.py
# Tests that sleep in a thread or wait for a subprocess, which libfaketime's sleep wrapper breaks (EINVAL); none
# of them reads the time of a rule.
NOT_UNDER_FAKETIME := \
  tests/channels/email/test_delivery.py::test_a_server_killed_before_its_commit \
  tests/channels/email/test_abuse.py::test_mails_of_thousands_of_tiny_parts_are_stored \
  tests/channels/test_chat_faults.py::test_every_logged_exception_carries_its_stack
LIBFAKETIME := $(firstword $(wildcard /usr/lib/*/faketime/libfaketime.so.1))

test-clock: setup setup-dev services ## the time-dependent tests under three faked wall-clock times (JST)
	@for at in $(FAKED_TIMES); do \
	  echo "== wall clock faked to $$at JST"; \
	  TZ=Asia/Tokyo FAKETIME="@$${at/T/ }" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1 \
	    LD_PRELOAD=$(LIBFAKETIME) $(BIN)/python -m pytest -q -p no:cacheprovider \
	    -m "not postgres and not browser and not multiprocess" $(addprefix --deselect ,$(NOT_UNDER_FAKETIME)) \
	    $(TIME_TESTS) \
	    || exit 1; \
	done

test-sqlite: setup setup-dev ## run the suite on SQLite only, without PostgreSQL, Redis or a browser
	$(BIN)/python -m pytest -m "not postgres and not browser and not multiprocess"

lint: setup-dev ## ruff and mypy --strict
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src
	$(BIN)/lint-imports

format: setup-dev ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

migrate: setup ## upgrade the database in MADOGUCHI_DATABASE_URL
	$(BIN)/madoguchi db upgrade

seed: setup ## load (or refresh) the demo marketplace
	$(BIN)/madoguchi seed

bench: setup-dev services ## run the benchmarks in benchmarks/
	$(BIN)/python benchmarks/nlu.py
	$(BIN)/python benchmarks/chat_load.py

clean: ## remove the virtual environment and the demo database
	rm -rf $(VENV) var madoguchi.db madoguchi.db-wal madoguchi.db-shm

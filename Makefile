# Madoguchi — `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export MADOGUCHI_DATABASE_URL ?= sqlite+aiosqlite:///./madoguchi.db

.DEFAULT_GOAL := help
.PHONY: help setup setup-dev run test test-sqlite services lint format migrate seed bench clean

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

run: setup ## serve the demo marketplace at http://127.0.0.1:8000 on SQLite (seeded on first start)
	$(BIN)/madoguchi db upgrade
	$(BIN)/madoguchi seed --if-empty
	$(BIN)/madoguchi serve --host $(HOST) --port $(PORT)

services: ## start PostgreSQL, Redis (and install Chromium) when they are missing
	bash scripts/services.sh

test: setup setup-dev services ## run the whole suite on SQLite and on PostgreSQL + Redis
	$(BIN)/python -m pytest

test-sqlite: setup setup-dev ## run the suite on SQLite only, without PostgreSQL, Redis or a browser
	$(BIN)/python -m pytest -m "not postgres and not browser and not multiprocess"

lint: setup-dev ## ruff and mypy --strict
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

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

# Two commands matter: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
MANAGE := $(BIN)/python manage.py

.PHONY: run test install install-test migrate bootstrap serve lint typecheck pytest bench clean

run: install migrate bootstrap serve ## install, migrate, load data, train what is missing, serve

test: install-test lint typecheck pytest ## ruff, mypy and the whole pytest suite

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-base: requirements/base.in requirements/lock.txt | $(BIN)/python
	$(PIP) install --quiet --disable-pip-version-check -r requirements/base.in -c requirements/lock.txt
	@touch $@

$(VENV)/.installed-test: requirements/test.in requirements/base.in requirements/lock.txt | $(BIN)/python
	$(PIP) install --quiet --disable-pip-version-check -r requirements/test.in -c requirements/lock.txt
	@touch $@ $(VENV)/.installed-base

install: $(VENV)/.installed-base

install-test: $(VENV)/.installed-test

migrate: install
	$(MANAGE) migrate --noinput

bootstrap: install
	$(MANAGE) bootstrap

serve: install
	@echo "Serving http://127.0.0.1:8000/ with a Celery worker, a training worker and beat. Ctrl-C stops all."
	$(BIN)/honcho start --procfile Procfile

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-test
	$(BIN)/mypy

pytest: install-test
	$(BIN)/pytest

bench: install-test
	$(BIN)/python bench/census.py
	$(BIN)/python bench/serving.py
	$(BIN)/python bench/simulate.py
	$(BIN)/python bench/import_interactions.py
	$(BIN)/python bench/ranking.py
	$(BIN)/python bench/recommend.py
	$(BIN)/python bench/train_food.py
	$(BIN)/python bench/warm_start.py
	$(BIN)/python bench/ab_simulated.py

clean:
	rm -rf $(VENV) var/test-db.sqlite3 var/broker

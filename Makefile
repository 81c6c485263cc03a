# Targets for the bookings service and its leak harness.
# `make install` sets up .venv; `make test` runs the quick suite.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ITERATIONS ?=
JOBS ?=
LEAK_ARGS ?=
SOAK_DURATION ?= 120
SOAK_RATE ?= 20

.PHONY: install test test-all lint typecheck run leakcheck bench soak reports clean

install:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'

test:
	$(BIN)/python -m pytest -m "not slow" -n auto

test-all:
	$(BIN)/python -m pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

run:
	$(BIN)/uvicorn app.main:app --host 127.0.0.1 --port 8000

leakcheck:
	$(BIN)/python -m leak_tests run $(if $(ITERATIONS),--iterations $(ITERATIONS)) \
		$(if $(JOBS),--jobs $(JOBS)) --out reports $(LEAK_ARGS)

soak:
	$(BIN)/python -m leak_tests soak --duration $(SOAK_DURATION) --rate $(SOAK_RATE) \
		--out reports

clean:
	rm -rf reports/*.json reports/*.html .pytest_cache

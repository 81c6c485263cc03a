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

.PHONY: install venvs test test-all lint typecheck run leakcheck bench soak reports clean

install:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'

# One .venv-X.Y per other CPython 3.10-3.13 found, for the multi-version engine tests.
venvs:
	VENV=$(VENV) scripts/make_venvs.sh

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

bench:
	mkdir -p reports
	$(BIN)/python -m pytest tests/leakcheck/test_dispatch_bench.py -m slow -p no:randomly \
		-p no:xdist --benchmark-only --benchmark-json reports/bench.json

clean:
	rm -rf reports/*.json reports/*.html .pytest_cache

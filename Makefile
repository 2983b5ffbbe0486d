# Two commands for a fresh machine with Python 3.11+:
#   make run   builds .venv with the app alone if needed, then starts nnterm (ARGS="xor" to
#              pass arguments)
#   make test  adds the test tools to .venv (pytest, ruff, mypy, hypothesis; Dask and Ray for
#              the pool's tests) if needed, then runs ruff, mypy and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# one pytest worker more than the cores: a worker waiting on a process it started (a
# server, an engine, a pool) leaves its core to the others
WORKERS := $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN) + 1 )))

.PHONY: run test lint typecheck bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "nnterm needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

run: $(STAMP)
	$(BIN)/nnterm $(ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

# strict on engine/, the default checks on app/ ([tool.mypy] in pyproject.toml)
typecheck: $(TEST_STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist loadgroup

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) build *.egg-info

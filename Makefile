# `make run`: a complete local helpdesk on the embedded default (SQLite, file-based task queue).
# `make test`: the whole test suite (on DATABASE_URL when set, else SQLite).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
# The tool that writes the lock, pinned so that two refreshes of the same pyproject.toml agree.
UV_VERSION := 0.13.9

.PHONY: run test lint install lock clean

# Every dependency, test tools included, comes from the lock at the exact version and hash it records; the
# project itself is then installed in place without resolving anything.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/run_embedded.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# Refresh the lock after changing a dependency in pyproject.toml (or to take newer releases): resolves every
# dependency for Python 3.11+ on every platform and records the hash of each file.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 \
		--custom-compile-command "make lock" --quiet --output-file $(LOCK)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) data staticfiles .pytest_cache .ruff_cache

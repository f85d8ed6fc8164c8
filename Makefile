# Sublarr — the two commands for a fresh machine are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= ./data
HOST ?= 127.0.0.1
PORT ?= 5765
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench lint install browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/sublarr db upgrade --data-dir $(DATA_DIR)
	$(BIN)/sublarr serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

# Debian packages the tests use (Chromium for the UI tests, ffmpeg/espeak-ng for
# Whisper, nginx for the webhook benchmark); installed only when missing.
browser-deps:
	@bash scripts/system-deps.sh

bench: $(STAMP) browser-deps
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) .pytest_cache

# Two commands for a newcomer: `make run` (the service) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: run test lint unit e2e-browser bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is pinned to the CPU build (torch==2.13.0 in pyproject.toml): an unpinned torch pulls CUDA wheels.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	touch $@

$(VENV)/.installed-train: $(VENV)/.installed-dev
	$(PIP) -e '.[dev,train]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/moderation run

test: $(VENV)/.installed-dev e2e-browser lint
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy moderation workers admin

unit: $(VENV)/.installed-dev
	$(BIN)/pytest tests/unit

# Browser tests drive Debian's Chromium through Playwright; never `playwright install`.
e2e-browser:
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# The four benchmarks of the README's performance table, each printing its figures (raw output in
# bench/results/). They need PostgreSQL and Redis (MODERATION_TEST_* URLs or the defaults) and wrk.
bench: $(VENV)/.installed-train
	@command -v wrk >/dev/null || { \
		echo "installing Debian's wrk for the ingest benchmark"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.scoring
	$(BIN)/python -m bench.end_to_end
	$(BIN)/python -m bench.memory

eval: $(VENV)/.installed-train
	$(BIN)/python training/evaluate_toxicity.py
	$(BIN)/python training/evaluate_misinformation.py
	$(BIN)/python training/evaluate_harm.py

clean:
	rm -rf $(VENV) var

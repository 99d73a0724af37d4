# crmkit's two entry points: `make demo` (the main job on the embedded sandbox) and `make test`.
# Both work on a fresh machine: they create .venv and install what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
RUNTIME = $(VENV)/.runtime-installed
DEV     = $(VENV)/.dev-installed
CHROMIUM ?= /usr/bin/chromium
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint typecheck lab bench chromium clean

$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV) && \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv && \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

BENCHDEPS = $(VENV)/.bench-installed
$(BENCHDEPS): pyproject.toml $(DEV)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

demo: $(RUNTIME)
	$(BIN)/crmkit demo

# Debian's Chromium for the real-browser tests (Playwright cannot download browsers here).
chromium:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

lint: $(DEV)
	$(BIN)/ruff check crmkit tests bench
	$(BIN)/ruff format --check crmkit tests bench

typecheck: $(DEV)
	$(BIN)/mypy

test: $(DEV) chromium lint typecheck
	$(BIN)/pytest

lab: $(DEV)
	$(BIN)/jupyter lab notebooks --allow-root

bench: $(BENCHDEPS)
	for b in bench/*_bench.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

# The project's everyday commands. Each works on a fresh machine with Python 3.11+.
# The first target that needs .venv installs it; after that nothing is downloaded until
# pyproject.toml or constraints.txt change, so every target then works offline.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; older than either file below means "reinstall".
INSTALLED := $(VENV)/.installed
# The same, for the mutation-testing extra (mutmut), which only `make mutation` needs.
MUTATION_INSTALLED := $(VENV)/.installed-mutation
# Mutants tested at once: 1 keeps a shared machine usable; raise it on a free one.
MUTATION_JOBS ?= 1

.DEFAULT_GOAL := help
.PHONY: help install test lint format run sandbox bench bench-quick mutation lock clean

help:  ## list the targets
	@echo "make TARGET, with TARGET one of:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | awk -F '\t' '{ printf "  %-12s %s\n", $$1, $$2 }'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,postgres]"
	touch $@

install: $(INSTALLED)  ## create .venv and install the bot with its dev tools (once)

# Extra pytest arguments, e.g. make test PYTEST_ARGS="--randomly-seed=1234 tests/e2e"
PYTEST_ARGS ?=
# Test processes (pytest-xdist). Most tests wait on sockets, bot processes and timers, not
# the CPU, so 3 fit a 2-CPU machine; each module stays in one process (loadscope), so an
# e2e module's bot starts once per database. TEST_JOBS=0: one process, no xdist.
TEST_JOBS ?= 3

test: $(INSTALLED)  ## run every test, in random order (PYTEST_ARGS="--randomly-seed=N" repeats one)
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadscope $(PYTEST_ARGS)

lint: $(INSTALLED)  ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(INSTALLED)  ## reformat and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

run: $(INSTALLED)  ## connect to Discord (needs DISCORD_TOKEN in .env)
	$(BIN)/legday run

sandbox: $(INSTALLED)  ## try the bot in the terminal: no token, no Discord
	$(BIN)/legday sandbox

bench: $(INSTALLED)  ## the side-by-side benchmarks at full size (about 15 minutes)
	$(BIN)/python -m benchmarks

bench-quick: $(INSTALLED)  ## the benchmarks at tiny sizes: checks only, no timing
	$(BIN)/python -m benchmarks --quick

$(MUTATION_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,postgres,mutation]"
	touch $@

# mutmut keeps its results in mutants/ and re-tests only what changed since: `make clean`
# (or rm -rf mutants) first for a run from scratch. Settings: [tool.mutmut] in pyproject.toml.
mutation: $(MUTATION_INSTALLED)  ## mutation-test bot/core and bot/usecases (mutmut; about 30 minutes)
	$(BIN)/mutmut run --max-children $(MUTATION_JOBS)
	$(BIN)/mutmut results

lock: $(INSTALLED)  ## refresh constraints.txt from the current environment
	{ echo "# Exact versions every install uses (pip install -c constraints.txt ...)."; \
	  echo "# Regenerate after changing dependencies: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^legday'; } > constraints.txt
	touch $(INSTALLED)

clean:  ## remove .venv, the caches and mutmut's mutants/
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis build *.egg-info mutants

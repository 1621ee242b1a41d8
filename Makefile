# The project's everyday commands. Each works on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install test lint format run sandbox bench bench-quick lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python  ## create .venv and install the bot with its dev tools
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,postgres]"

test: install  ## lint-free or not, run every test
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

run: install  ## connect to Discord (needs DISCORD_TOKEN in .env)
	$(BIN)/legday run

sandbox: install  ## try the bot in the terminal: no token, no Discord
	$(BIN)/legday sandbox

bench: install  ## the side-by-side benchmarks at full size (about 5 minutes)
	$(BIN)/python -m benchmarks

bench-quick: install  ## the benchmarks at tiny sizes: checks only, no timing
	$(BIN)/python -m benchmarks --quick

lock: install  ## refresh constraints.txt from the current environment
	{ echo "# Exact versions every install uses (pip install -c constraints.txt ...)."; \
	  echo "# Regenerate after changing dependencies: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^legday'; } > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info

# The two commands of the README. Each creates .venv if needed, installs exactly
# what the lock says (hash-checked), runs.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
# uv never fetches a Python of its own: it installs into .venv's interpreter.
export UV_PYTHON_DOWNLOADS := never
SYNC   := $(UV) pip sync --quiet --require-hashes --python $(BIN)/python
EDIT   := $(UV) pip install --quiet --no-deps --python $(BIN)/python -e .
COMPILE := $(UV) pip compile --quiet --universal --python-version 3.11 \
           --generate-hashes --custom-compile-command "make lock"

.PHONY: run test install install-dev lint bench lock lock-upgrade test-latest clean

run: $(VENV)/.run-installed            ## install, check every bundled environment and rendered/
	$(BIN)/modelrail check
	$(BIN)/modelrail render --check

test: $(VENV)/.test-installed          ## install test dependencies, then run the whole suite
	$(BIN)/python -m pytest

install: $(VENV)/.run-installed        ## only install (what the workflows use)
install-dev: $(VENV)/.test-installed

lint: $(VENV)/.test-installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy \
	  && $(BIN)/lint-imports --no-cache --no-logo

bench: $(VENV)/.run-installed
	$(BIN)/python scripts/bench.py --models 1000

# The only install from outside the lock is pip's hash-checked install of uv
# itself (requirements/bootstrap.txt); uv then installs each set exactly
# (`pip sync` removes what the set does not list) and modelrail editable, built
# by the uv_build inside that uv binary.
$(UV): requirements/bootstrap.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
	  --require-hashes --no-deps -r requirements/bootstrap.txt
	touch $@

$(VENV)/.run-installed: requirements/run.txt pyproject.toml | $(UV)
	$(SYNC) requirements/run.txt
	$(EDIT)
	rm -f $(VENV)/.test-installed
	touch $@

$(VENV)/.test-installed: requirements/dev.txt pyproject.toml | $(UV)
	$(SYNC) requirements/dev.txt
	$(EDIT)
	touch $@ $(VENV)/.run-installed

# Refresh the lock after editing pyproject.toml's ranges: keeps every pin that
# still fits. `make lock-upgrade` moves every pin to the newest release allowed.
# The run and test sets are constrained by the dev set, so a package has the
# same version in all three.
lock: $(UV)
	$(COMPILE) requirements/bootstrap.in -o requirements/bootstrap.txt
	$(COMPILE) pyproject.toml --extra dev -o requirements/dev.txt
	$(COMPILE) pyproject.toml --extra test -c requirements/dev.txt -o requirements/test.txt
	$(COMPILE) pyproject.toml -c requirements/dev.txt -o requirements/run.txt

lock-upgrade: $(UV)
	$(MAKE) lock COMPILE='$(COMPILE) --upgrade'

# What the scheduled workflow runs: the suite on the newest versions the ranges
# in pyproject.toml allow, without the lock, in a venv of its own.
test-latest: $(UV)
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	$(UV) pip install --quiet --upgrade --python .venv-latest/bin/python -e '.[dev]'
	$(UV) pip list --python .venv-latest/bin/python
	MODELRAIL_UNLOCKED=1 .venv-latest/bin/python -m pytest

clean:
	rm -rf $(VENV) .venv-latest .pytest_cache .mypy_cache .ruff_cache .hypothesis

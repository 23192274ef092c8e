# The two set-up commands of README.md: `make demo` and `make test`.
# Both create .venv and install the pinned dependencies themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean venv

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# `make demo PORT=8080 DB=var/demo/other.db RESET=1` (each optional): `ramp demo --port --db --reset`.
DEMO_ARGS := $(if $(PORT),--port $(PORT)) $(if $(DB),--db $(DB)) $(if $(SIZE),--size $(SIZE)) \
	$(if $(SEED),--seed $(SEED)) $(if $(RESET),--reset)

demo: $(STAMP)
	$(BIN)/ramp demo $(DEMO_ARGS)

# Every test, on both cores (a module stays on one worker: its fixtures are shared).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The quick loop: everything but the tests marked slow (Chromium, crash loops, Schemathesis,
# long property runs, benchmarks, the demo's data), on both cores (pytest-xdist); `make test`
# and CI run them all, on both cores too.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

bench: $(STAMP)
	$(BIN)/ramp bench ledger

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info

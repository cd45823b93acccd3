# The two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.simlib-installed

.PHONY: setup demo test test-fast lint format bench sample clean

setup: $(STAMP)

# Re-install when the dependency list changes. The `simlib` kernel is registered inside the
# venv for JupyterLab; reports need no registration (they run on the running interpreter).
# constraints.txt pins the exact versions the tests and the bundled sample were made with.
$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11 or python3 on PATH)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "$(VENV) uses Python $$($(BIN)/python -V 2>&1); simlib needs 3.11 or newer: run 'make clean' and set PYTHON=python3.11"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name simlib --display-name "Python (simlib)" >/dev/null
	@touch $(STAMP)

demo: setup
	$(BIN)/simlib demo

# The whole suite (what CI runs) on every core: each test file runs in one worker
# (--dist loadfile), so a file's module fixtures (a batch, a server, a browser) are built once.
# TEST_WORKERS=1 runs it in one process. With a test process on every core, OpenBLAS's own
# threads only wait on each other: the many small fits in the tests took twice the CPU.
# Bytecode is cached even where the environment turns that off: every test process,
# report kernel and command the tests start would compile simlib and the tests again.
TEST_WORKERS ?= auto
TEST_ENV := OPENBLAS_NUM_THREADS=1 PYTHONDONTWRITEBYTECODE=
test: setup
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# The quick loop: everything but the tests marked slow (notebook runs, browser tests, long
# simulations), in parallel.
test-fast: setup
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow"

# Style, then the layers (contracts in pyproject.toml: a package imports only from below).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Regenerate the bundled sample (deterministic; tests check it matches).
sample: setup
	$(BIN)/python -m simlib.data.synthetic --out data/sample

clean:
	rm -rf $(VENV) reports/demo reports/demo.store .pytest_cache .ruff_cache .hypothesis

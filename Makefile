# Two commands for a new machine: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The labeled fixture seeds a new contract.xlsx with testers' verdicts, so `extract score`
# shows real figures at once; an existing contract.xlsx (people's work) is never replaced.
demo: $(STAMP)
	test -e contract.xlsx || cp samples/labeled/labels.xlsx contract.xlsx
	$(BIN)/extract run samples/pdfs --workbook contract.xlsx
	$(BIN)/extract score --workbook contract.xlsx

# lint-imports checks that imports point one way (the contracts in pyproject.toml).
test: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy extract schemas contract evals
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

bench: $(STAMP)
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info contract.xlsx contract.db

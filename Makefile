# Everything runs from a venv that this Makefile creates with pinned packages,
# so `make demo` and `make test` need only python3 (3.11+) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD := .build
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv demo test unit integration clean

venv: $(STAMP)

$(STAMP): tests/requirements.in tests/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r tests/requirements.in -c tests/constraints.txt
	touch $(STAMP)

demo: venv
	$(BIN)/python tests/emulator/demo.py

test: venv
	$(BIN)/python -m pytest tests

unit: venv
	$(BIN)/python -m pytest tests/unit

integration: venv
	$(BIN)/python -m pytest tests/integration tests/emulator_tests

clean:
	rm -rf $(VENV) $(BUILD) .pytest_cache

# Everything runs from a venv that this Makefile creates with pinned packages,
# so `make demo` and `make test` need only python3 (3.11+) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD := .build
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv demo test unit integration bench clean

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

# Not part of `make test`: starts the emulator and a receiver, times four ways of triggering N webhooks,
# and writes docs/benchmarks.md and docs/benchmarks.png. Knobs (all optional):
#   make bench BENCH_REPEATS=1 BENCH_N=1,20 BENCH_LATENCIES=100 BENCH_METHODS=a,c
# The chart needs matplotlib, kept in its own venv so that .venv stays as tests/constraints.txt pins it.
BENCH_VENV := $(BUILD)/bench-venv
BENCH_STAMP := $(BENCH_VENV)/.installed
BENCH_KNOBS := $(strip $(foreach knob,BENCH_REPEATS BENCH_N BENCH_LATENCIES BENCH_METHODS,\
	$(if $($(knob)),$(knob)=$($(knob)))))

$(BENCH_STAMP): tests/bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r tests/bench/requirements.txt
	touch $(BENCH_STAMP)

bench: venv $(BENCH_STAMP)
	$(if $(BENCH_KNOBS),env $(BENCH_KNOBS)) BENCH_COMMAND="$(strip make bench $(BENCH_KNOBS))" \
		$(BIN)/python tests/bench/run.py --plot-python $(BENCH_VENV)/bin/python

clean:
	rm -rf $(VENV) $(BUILD) .pytest_cache

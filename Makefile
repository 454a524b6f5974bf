# Everything runs from venvs that this Makefile creates with pinned packages,
# so `make demo` and `make test` need only python3 (3.11+) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD := .build
# The Ansible ecosystem's tools (ansible-test, antsibull-docs, antsibull-changelog, ansible-builder, Sphinx, and
# nox with antsibull-nox) live in their own venv, so their many dependencies never change what the tests themselves
# run with. antsibull-nox's sessions (noxfile.py, antsibull-nox.toml: ansible-lint, antsibull-docs' lint,
# galaxy-importer) install their tools into venvs of their own under .build/nox, pinned the same way.
TOOLS := $(BUILD)/tools
TOOLS_BIN := $(TOOLS)/bin
TOOLS_STAMP := $(TOOLS)/.installed
TOOLS_PYTHON_VERSION = $(shell $(TOOLS_BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ANSIBLE_TEST := $(TOOLS_BIN)/python tests/tooling/run_ansible_test.py
ECOSYSTEM := $(TOOLS_BIN)/python tests/tooling/ecosystem.py
NOX := $(TOOLS_BIN)/nox --non-interactive --no-color
# antsibull-docs and ansible-builder find the collection through this symlinked tree (tests/conftest.py and
# `ecosystem.py docs` make it).
COLLECTIONS := $(CURDIR)/$(BUILD)/collections
TOOLS_ENV := PATH="$(CURDIR)/$(TOOLS_BIN):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)"
# ansible-rulebook, the Event-Driven Ansible engine that runs the event source (extensions/eda) in its integration
# tests and `make demo-events`, lives in a venv of its own too. It needs a Java runtime of version 17 or newer:
# tests/tooling/java_runtime.py finds one, installs one with apt-get where it can, or says what to install.
RULEBOOK := $(BUILD)/rulebook
RULEBOOK_STAMP := $(RULEBOOK)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv tools rulebook demo demo-events test guarantees unit integration sanity ansible-test-units \
	ansible-test-integration lint docs-lint extra-checks import-check changelog-lint changelog docs ee matrix bench clean

venv: $(STAMP)

$(STAMP): tests/requirements.in tests/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r tests/requirements.in -c tests/constraints.txt
	touch $(STAMP)

tools: $(TOOLS_STAMP)

$(TOOLS_STAMP): tests/tools-requirements.in tests/tools-constraints.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS_BIN)/python -m pip install --quiet -r tests/tools-requirements.in -c tests/tools-constraints.txt
	touch $(TOOLS_STAMP)

rulebook: $(RULEBOOK_STAMP)

$(RULEBOOK_STAMP): tests/rulebook-requirements.in tests/rulebook-constraints.txt
	$(PYTHON) tests/tooling/java_runtime.py
	$(PYTHON) -m venv $(RULEBOOK)
	$(RULEBOOK)/bin/python -m pip install --quiet -r tests/rulebook-requirements.in -c tests/rulebook-constraints.txt
	touch $(RULEBOOK_STAMP)

demo: venv
	$(BIN)/python tests/emulator/demo.py

# The loop closed the other way: GenAuth's events into a rulebook. Starts the emulator and ansible-rulebook with the
# collection's example rulebook (genauth.management.genauth_events_example), runs docs/examples/events.yml (declares
# a webhook whose URL is the event source and sends a test event through it), makes an application's secret be
# refreshed in the emulator, which delivers that event too, and shows the rules that fired.
demo-events: venv rulebook
	$(BIN)/python tests/emulator/demo_events.py

# The whole suite: unit, emulator and integration tests, then (tests/meta) ansible-test sanity, units and
# integration, ansible-lint, antsibull-docs and antsibull-changelog lint, antsibull-nox's extra checks, the docs
# site build, the galaxy build with ansible-doc, galaxy-importer on the built tarball, and ansible-builder. Prints
# the line and branch coverage of plugins/ and of the event source (tests/coverage.ini) and ends with pytest's
# summary line. It changes no file of the checkout (a test checks that).
test: venv tools rulebook
	mkdir -p $(BUILD)/coverage
	$(BIN)/python -m pytest tests --cov=plugins --cov=extensions --cov-config=tests/coverage.ini \
		--cov-report=term-missing

# Not part of `make test`: runs the tests that measure the figures of docs/docsite/rst/guarantees.rst (the fault
# matrix, the property-based tests, the secret scans, with the ansible-test targets', and the load test) and, when
# all of them pass, rewrites those figures.
guarantees: venv tools rulebook
	$(BIN)/python -m pytest tests/unit tests/integration tests/meta/test_tooling.py::test_ansible_test_integration \
		--write-guarantees

unit: venv
	$(BIN)/python -m pytest tests/unit

integration: venv rulebook
	$(BIN)/python -m pytest tests/integration tests/emulator_tests

# ansible-test sanity, every test it has, on every Python 3 that is installed and ansible-core supports.
sanity: tools
	$(ANSIBLE_TEST) --all-pythons -- sanity --venv --color no

ansible-test-units: tools
	$(ANSIBLE_TEST) -- units --venv --python $(TOOLS_PYTHON_VERSION) --color no

# The targets under tests/integration/targets at -vvvv, with the emulator started once for each run and
# ansible-test's output scanned for its secrets: once with the modules in the controller's process (the default),
# once as module processes.
ansible-test-integration: tools
	$(ANSIBLE_TEST) --emulator -- integration --venv --python $(TOOLS_PYTHON_VERSION) --color no -vvvv
	$(ANSIBLE_TEST) --emulator --module-process -- integration --venv --python $(TOOLS_PYTHON_VERSION) --color no -vvvv

# ansible-lint --offline, production profile (.ansible-lint).
lint: tools
	$(NOX) -s ansible-lint

# antsibull-docs lint-collection-docs on the plugins, roles and extra docs.
docs-lint: tools
	$(NOX) -s docs-check

# No unwanted files under plugins/.
extra-checks: tools
	$(NOX) -s extra-checks

# antsibull-nox's build-import-check: builds the tarball and imports it with galaxy-importer as Galaxy does
# (tests/galaxy-importer.cfg). The session itself fails only when the import fails; its test also fails on every
# error and warning of the report, which it writes to .build/galaxy-importer/.
import-check: venv tools
	$(BIN)/python -m pytest tests/meta/test_tooling.py -k galaxy_importer -p no:cacheprovider

changelog-lint: tools
	$(TOOLS_ENV) antsibull-changelog lint

# The release notes of the unreleased version, rendered from the fragments into .build/changelog/.
changelog: tools
	$(ECOSYSTEM) changelog $(BUILD)/changelog

# The HTML docs site (modules, roles and the guides in docs/docsite) in docs/_build/html.
docs: tools
	$(ECOSYSTEM) docs docs/_build

# The build context of docs/examples/execution-environment.yml in .build/ee (building the image needs a
# container engine: `ansible-builder build` instead of create).
ee: tools
	$(ECOSYSTEM) ee $(BUILD)/ee

# The integration tests once per ansible-core release line, each in its own venv under .build/matrix.
matrix: tools rulebook
	$(TOOLS_BIN)/python tests/tooling/matrix.py

# Not part of `make test`: starts the emulator and a receiver, times five ways of triggering N webhooks, and writes
# docs/benchmarks.md and docs/benchmarks.png. Its knobs, all optional, are variables given to make (which passes
# them on in the environment): BENCH_REPEATS, BENCH_N, BENCH_LATENCIES (the receiver's, in ms), BENCH_API_LATENCIES
# (the emulator's for every API call, in ms), BENCH_METHODS (a2 is the method (a')), and BENCH_OUT, a folder for
# the two files instead of docs/ (a trial run). The smallest run:
#   make bench BENCH_REPEATS=1 BENCH_N=1 BENCH_LATENCIES=0 BENCH_API_LATENCIES=0 BENCH_METHODS=a,c BENCH_OUT=/tmp/b
# The chart needs matplotlib, kept in its own venv so that .venv stays as tests/constraints.txt pins it.
BENCH_VENV := $(BUILD)/bench-venv
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): tests/bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r tests/bench/requirements.txt
	touch $(BENCH_STAMP)

bench: venv $(BENCH_STAMP)
	$(BIN)/python tests/bench/run.py --plot-python $(BENCH_VENV)/bin/python

clean:
	rm -rf $(VENV) $(BUILD) .pytest_cache docs/_build

#!/usr/bin/env python
"""Run the integration tests once per ansible-core release line: the pytest ones (tests/integration) and the
ansible-test integration targets (the documented playbook contract), with that line's ansible-test.

For every release line from MIN_LINE to the newest on the package index, the newest patch release is installed
into its own venv under ``.build/matrix/`` on the first Python in PYTHON_PREFERENCE that the line supports and
that is installed (on PATH, or under pyenv). A line with no such Python is reported as skipped, with the reason.
The other packages come from tests/constraints.txt, except the pins that belong to the ansible-core of
`make test` (ansible-core itself and resolvelib, whose allowed range differs between release lines).

Writes the results as a Markdown table to .build/matrix/results.md and exits non-zero if any line failed.
Each line's output goes to .build/matrix/ansible-core-<version>.log.

Why no tool does this: antsibull-nox makes a session per ansible-core release for ansible-test, but runs each in a
container (``--docker``), of which there is none here, and has no session for the pytest integration tests;
tox-ansible's per-release environments run Molecule scenarios, not ansible-test targets.
"""

import argparse
import os
import re
import subprocess
import sys
import time

from collection_tree import REPO_ROOT
from pythons import find_python

MIN_LINE = (2, 16)
PYTHON_PREFERENCE = ("3.11", "3.12", "3.13")
PACKAGES = ("requests", "voluptuous", "pytest", "responses", "trustme")
# Pins of tests/constraints.txt that each ansible-core release line brings its own range for.
CORE_OWNED_PINS = ("ansible-core", "resolvelib")
MATRIX = os.path.join(REPO_ROOT, ".build", "matrix")


def available_releases(python_version):
    """{(major, minor): newest 'X.Y.Z'} of ansible-core installable on that Python version (final releases)."""
    proc = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "ansible-core",
                           "--python-version", python_version, "--only-binary=:all:"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    match = re.search(r"Available versions: (.*)", proc.stdout)
    if not match:
        raise SystemExit("matrix: cannot list ansible-core releases for Python %s:\n%s" % (python_version, proc.stdout))
    newest = {}
    for version in (v.strip() for v in match.group(1).split(",")):
        parts = version.split(".")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            continue
        line = (int(parts[0]), int(parts[1]))
        if line >= MIN_LINE and line not in newest:
            newest[line] = version  # listed newest first
    return newest


def plan():
    """[(line, version or None, python version or None, python path or None, note)] for every release line."""
    releases = {py: available_releases(py) for py in PYTHON_PREFERENCE}
    lines = sorted(set(line for found in releases.values() for line in found))
    rows = []
    for line in lines:
        supported = [py for py in PYTHON_PREFERENCE if line in releases[py]]
        installed = [(py, find_python(py)) for py in supported]
        usable = [(py, path) for py, path in installed if path]
        if usable:
            py, path = usable[0]
            rows.append((line, releases[py][line], py, path, ""))
        else:
            rows.append((line, releases[supported[0]][line], None, None,
                         "skipped: needs Python %s, none installed" % " or ".join(supported)))
    return rows


def constraints_file():
    path = os.path.join(MATRIX, "constraints.txt")
    with open(os.path.join(REPO_ROOT, "tests", "constraints.txt"), encoding="utf-8") as source:
        kept = [line for line in source
                if line.split("==")[0].strip().lower() not in CORE_OWNED_PINS]
    os.makedirs(MATRIX, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# tests/constraints.txt without %s (written by tests/tooling/matrix.py)\n"
                     % ", ".join(CORE_OWNED_PINS))
        handle.writelines(kept)
    return path


def prepare_venv(version, python_path, constraints):
    venv = os.path.join(MATRIX, "ansible-core-%s" % version)
    stamp = os.path.join(venv, ".installed")
    if os.path.exists(stamp):
        return venv
    subprocess.run([python_path, "-m", "venv", "--clear", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "ansible-core==%s" % version, "-c", constraints] + list(PACKAGES),
                   check=True)
    open(stamp, "w").close()
    return venv


def run_tests(venv, python_version, pytest_args):
    """(exit code, summary, output) of the pytest integration tests and then the ansible-test targets."""
    python = os.path.join(venv, "bin", "python")
    pytest_run = subprocess.run([python, "-m", "pytest", "tests/integration", "-q", "-p", "no:cacheprovider"]
                                + pytest_args, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                universal_newlines=True, check=False)
    lines = [line for line in pytest_run.stdout.splitlines() if line.strip()]
    summary = lines[-1].strip("= ") if lines else "no output"
    targets_run = subprocess.run([python, os.path.join(REPO_ROOT, "tests", "tooling", "run_ansible_test.py"),
                                  "--emulator", "--tree", venv + "-tree", "--", "integration", "--venv", "--python",
                                  python_version, "--color", "no", "-vvvv"],
                                 cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True, check=False)
    targets = len(re.findall(r"^Running \S+ integration test (?:role|script)$", targets_run.stdout, re.M))
    summary += "; %d ansible-test targets %s" % (targets, "passed" if targets_run.returncode == 0 else "FAILED")
    return pytest_run.returncode or targets_run.returncode, summary, pytest_run.stdout + targets_run.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    args = parser.parse_args(argv)
    constraints = constraints_file()
    results, failed = [], False
    for line, version, py, python_path, note in plan():
        label = "%d.%d" % line
        if not python_path:
            print("matrix: ansible-core %s (%s) %s" % (label, version, note), flush=True)
            results.append((label, version, "-", note))
            continue
        started = time.monotonic()
        print("matrix: ansible-core %s on Python %s ..." % (version, py), flush=True)
        venv = prepare_venv(version, python_path, constraints)
        rc, summary, output = run_tests(venv, py, args.pytest_args)
        with open(os.path.join(MATRIX, "ansible-core-%s.log" % version), "w", encoding="utf-8") as log:
            log.write(output)
        outcome = ("passed: " if rc == 0 else "FAILED: ") + summary
        failed = failed or rc != 0
        elapsed = time.monotonic() - started
        print("matrix: ansible-core %s on Python %s: %s (%.0f s)" % (version, py, outcome, elapsed), flush=True)
        results.append((label, version, py, outcome))
    table = ["| ansible-core line | release tested | Python | result |", "|---|---|---|---|"]
    table += ["| %s | %s | %s | %s |" % row for row in results]
    with open(os.path.join(MATRIX, "results.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(table) + "\n")
    print("\n".join(table))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

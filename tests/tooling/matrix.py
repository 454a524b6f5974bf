#!/usr/bin/env python
"""`make matrix`: the integration tests once per ansible-core release line, the pytest ones (tests/integration) and
the ansible-test integration targets (the documented playbook contract) with that line's own ansible-test.

Why no tool does this: antsibull-nox's session per ansible-core release runs ansible-test in a container, of which
there is none here, and has no session for the pytest integration tests; tox-ansible's per-release environments
run Molecule scenarios, not ansible-test targets.

For every release line from MIN_LINE to the newest on the package index, the newest release of the line is
installed into its own venv under .build/matrix/, on the first Python of PYTHON_PREFERENCE that the line supports
and that is installed (on PATH, or under pyenv); a line with no such Python is reported as skipped. The other
packages are pinned by tests/constraints.txt, but for the pins each release line brings its own range for.
The results go to .build/matrix/results.md (the exit code is 1 if a line failed), each line's output to
.build/matrix/ansible-core-<version>.log. Arguments are passed on to pytest.
"""

import os
import re
import subprocess
import sys
import time

from run_ansible_test import REPO_ROOT, find_python

MIN_LINE = (2, 16)
PYTHON_PREFERENCE = ("3.11", "3.12", "3.13")
PACKAGES = ("requests", "voluptuous", "pytest", "responses", "trustme", "proxy.py")
CORE_OWNED_PINS = ("ansible-core", "resolvelib")
MATRIX = os.path.join(REPO_ROOT, ".build", "matrix")


def newest_releases(python_version):
    """{(major, minor): newest 'X.Y.Z'} of the final ansible-core releases installable on that Python."""
    listed = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "ansible-core", "--python-version",
                             python_version, "--only-binary=:all:"], capture_output=True, text=True, check=False)
    match = re.search(r"Available versions: (.*)", listed.stdout)
    if not match:
        sys.exit("matrix: cannot list ansible-core releases for Python %s:\n%s%s"
                 % (python_version, listed.stdout, listed.stderr))
    newest = {}
    for version in match.group(1).split(", "):  # newest first
        parts = version.strip().split(".")
        if len(parts) == 3 and all(part.isdigit() for part in parts):
            newest.setdefault((int(parts[0]), int(parts[1])), version.strip())
    return {line: version for line, version in newest.items() if line >= MIN_LINE}


def plan():
    """[(line, version, Python version or None, Python path or None)] for every release line."""
    releases = {python: newest_releases(python) for python in PYTHON_PREFERENCE}
    rows = []
    for line in sorted({line for found in releases.values() for line in found}):
        supported = [python for python in PYTHON_PREFERENCE if line in releases[python]]
        python, path = None, None
        for candidate in supported:
            path = find_python(candidate)
            if path:
                python = candidate
                break
        rows.append((line, releases[python or supported[0]][line], python, path, supported))
    return rows


def run_line(version, python, python_path, pytest_args):
    """(passed, summary, output) of the pytest integration tests and then the ansible-test targets."""
    venv = os.path.join(MATRIX, "ansible-core-%s" % version)
    venv_python = os.path.join(venv, "bin", "python")
    if not os.path.exists(os.path.join(venv, ".installed")):
        constraints = os.path.join(MATRIX, "constraints.txt")
        with open(os.path.join(REPO_ROOT, "tests", "constraints.txt"), encoding="utf-8") as source:
            kept = [pin for pin in source if pin.split("==")[0].strip().lower() not in CORE_OWNED_PINS]
        with open(constraints, "w", encoding="utf-8") as handle:
            handle.writelines(kept)
        subprocess.run([python_path, "-m", "venv", "--clear", venv], check=True)
        subprocess.run([venv_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "ansible-core==%s" % version, "-c", constraints, *PACKAGES], check=True)
        open(os.path.join(venv, ".installed"), "w").close()
    tests = subprocess.run([venv_python, "-m", "pytest", "tests/integration", "-q", "-p", "no:cacheprovider",
                            *pytest_args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    targets = subprocess.run([venv_python, os.path.join(REPO_ROOT, "tests", "tooling", "run_ansible_test.py"),
                              "--emulator", "--tree", venv + "-tree", "--", "integration", "--venv", "--python",
                              python, "--color", "no", "-vvvv"], cwd=REPO_ROOT, capture_output=True, text=True,
                             check=False)
    lines = [line for line in tests.stdout.splitlines() if line.strip()]
    pytest_summary = lines[-1].strip("= ") if lines else "no output"
    ran = len(re.findall(r"^Running \S+ integration test (?:role|script)$", targets.stdout, re.M))
    outcome = "passed" if targets.returncode == 0 else "FAILED"
    summary = "%s; %d ansible-test targets %s" % (pytest_summary, ran, outcome)
    output = "".join([tests.stdout, tests.stderr, targets.stdout, targets.stderr])
    return tests.returncode == targets.returncode == 0, summary, output


def main(pytest_args):
    os.makedirs(MATRIX, exist_ok=True)
    results, failed = [], False
    for line, version, python, python_path, supported in plan():
        if python_path:
            print("matrix: ansible-core %s on Python %s ..." % (version, python), flush=True)
            started = time.monotonic()
            passed, summary, output = run_line(version, python, python_path, pytest_args)
            with open(os.path.join(MATRIX, "ansible-core-%s.log" % version), "w", encoding="utf-8") as log:
                log.write(output)
            failed = failed or not passed
            outcome = "%s: %s (%.0f s)" % ("passed" if passed else "FAILED", summary, time.monotonic() - started)
        else:
            outcome = "skipped: needs Python %s, none installed" % " or ".join(supported)
        print("matrix: ansible-core %s: %s" % (version, outcome), flush=True)
        results.append(("%d.%d" % line, version, python or "-", outcome))
    table = ["| ansible-core line | release tested | Python | result |", "|---|---|---|---|"]
    table += ["| %s | %s | %s | %s |" % row for row in results]
    with open(os.path.join(MATRIX, "results.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(table) + "\n")
    print("\n".join(table))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

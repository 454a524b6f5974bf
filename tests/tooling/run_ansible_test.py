#!/usr/bin/env python
"""Run ansible-test on this checkout.

ansible-test needs the collection at ``.../ansible_collections/genauth/management``; the repository root is the
collection root, so this script mirrors the checkout's files (those git tracks or would track, so no venvs,
caches or build output) to ``.build/ansible_collections/genauth/management`` and runs ansible-test there.
``tests/output`` in the mirror survives between runs, so ansible-test's own delegation venvs are reused.

Usage::

    python tests/tooling/run_ansible_test.py [--emulator] [--all-pythons] [--tree DIR] -- sanity --venv --python 3.11 ...

--emulator      run ansible-test under the emulator harness, which starts the GenAuth emulator and a webhook
                receiver once, writes their connection to tests/integration/integration_config.yml in the
                mirror (ansible-test gives that file to every integration target as extra vars; it passes no
                other environment through), scans ansible-test's output and every request the emulator got
                for the servers' secrets (the run fails on a leak), and stops the servers when ansible-test ends.
--all-pythons   put every python3.X found on PATH or under pyenv on ansible-test's PATH, so multi-version
                sanity tests (compile, import) cover each Python that is installed.
--tree DIR      mirror into DIR/ansible_collections/genauth/management instead of .build/ (make matrix gives each
                ansible-core release its own, so their ansible-test venvs never mix).

The ansible-test used is the one beside the running interpreter (the tools venv that the Makefile creates).

Why no tool does this: antsibull-nox's ansible-test sessions, the runner community collections use, always pass
``--docker`` to sanity and units, and need ``docker`` or ``remote`` (Ansible's remote machines, over the network)
for each integration session; there is no container engine here, so ansible-test runs with ``--venv``, which
needs the mirror, the offline get-pip and the emulator harness that this script provides.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

from collection_tree import mirror_checkout
from pythons import find_python

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO_ROOT, ".build")
TREE = os.path.join(BUILD, "ansible_collections", "genauth", "management")
GET_PIP_STAND_IN = os.path.join(REPO_ROOT, "tests", "tooling", "get_pip.py")
HARNESS = os.path.join(REPO_ROOT, "tests", "emulator", "harness.py")


def pinned_pip_version():
    """The pip version ansible-test bootstraps into its venvs (it names the cached get-pip script)."""
    import ansible_test
    source = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(source, encoding="utf-8") as handle:
        match = re.search(r"\bpip='([0-9.]+)'", handle.read())
    if not match:
        sys.exit("run_ansible_test: cannot find the pip version ansible-test bootstraps in %s" % source)
    return match.group(1)


def install_get_pip_stand_in():
    """Put the offline get-pip stand-in where ansible-test looks for its cached copy, unless one is there."""
    cache = os.path.expanduser(os.path.join("~", ".ansible", "test", "cache"))
    target = os.path.join(cache, "get_pip_%s.py" % pinned_pip_version().replace(".", "_"))
    if not os.path.exists(target):
        os.makedirs(cache, exist_ok=True)
        shutil.copyfile(GET_PIP_STAND_IN, target)


def python_dirs():
    """A folder of python3.X links for every Python 3 installed (PATH first, then pyenv), for ansible-test."""
    links = os.path.join(BUILD, "pythons")
    shutil.rmtree(links, ignore_errors=True)  # made anew, so an uninstalled Python leaves no dangling link
    os.makedirs(links)
    search_path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != links)
    for minor in range(6, 20):
        found = find_python("3.%d" % minor, path=search_path)
        link = os.path.join(links, "python3.%d" % minor)
        if found:
            os.symlink(found, link)
    return links


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emulator", action="store_true")
    parser.add_argument("--all-pythons", action="store_true")
    parser.add_argument("--tree", help="the folder to hold ansible_collections/genauth/management")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    args = opts.args[1:] if opts.args[:1] == ["--"] else opts.args
    tree = os.path.join(os.path.abspath(opts.tree), "ansible_collections", "genauth", "management") if opts.tree else TREE

    mirror_checkout(tree, keep=("tests/output",))
    install_get_pip_stand_in()
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ)
    path = [bin_dir]
    if opts.all_pythons:
        path.append(python_dirs())
    env["PATH"] = os.pathsep.join(path + [env.get("PATH", os.defpath)])
    command = [os.path.join(bin_dir, "ansible-test")] + args
    if opts.emulator:
        integration_vars = os.path.join(tree, "tests", "integration", "integration_config.yml")
        command = [sys.executable, HARNESS, "run", "--vars-file", integration_vars, "--scan-secrets", "--"] + command
    print("run_ansible_test: %s (in %s)" % (" ".join(command), os.path.relpath(tree, REPO_ROOT)), flush=True)
    return subprocess.call(command, cwd=tree, env=env)


if __name__ == "__main__":
    sys.exit(main())

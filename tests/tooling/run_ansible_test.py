#!/usr/bin/env python
"""Run ansible-test with --venv on a mirror of this checkout.

    python tests/tooling/run_ansible_test.py [--emulator [--module-process]] [--all-pythons] [--tree DIR] -- ANSIBLE-TEST ARGS...

Why no tool does this: antsibull-nox's ansible-test sessions run sanity and units with --docker and integration with
docker or remote machines, and there is no container engine here; with --venv, ansible-test needs what this script
gives it: the collection in an ansible_collections tree, a get-pip script, Pythons that pyenv's shims hide.

The mirror, .build/ansible_collections/genauth/management (or DIR/ansible_collections/genauth/management), holds the
files git tracks or would track; its tests/output, with ansible-test's venvs, is kept from run to run, and a second
run on the same mirror waits for the first. ansible-test bootstraps pip in each venv with a get-pip script from a
host outside the package index: tests/tooling/get_pip.py stands in for it in ansible-test's cache unless a real one
is there. The ansible-test run is the one beside this interpreter (the tools venv's).

--emulator      run ansible-test under the emulator harness: it starts the GenAuth emulator and a webhook receiver,
                writes their connection to tests/integration/integration_config.yml in the mirror (the extra vars
                ansible-test gives every target; it passes no environment through), and fails the run when a
                secret shows in ansible-test's output or out of place in a request the emulator got.
--module-process  with --emulator: the targets' tasks run their modules as module processes (the variable
                genauth_in_process: false), not in the controller's process as they do by default.
--all-pythons   put every python3.X found on PATH or under pyenv on ansible-test's PATH, so that the sanity tests
                that run per Python (compile, import) run on each one installed.
--tree DIR      mirror into DIR instead of .build (make matrix gives each ansible-core release line its own).
"""

import argparse
import fcntl
import glob
import os
import re
import shutil
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO_ROOT, ".build")
COLLECTION = os.path.join("ansible_collections", "genauth", "management")
HARNESS = os.path.join(REPO_ROOT, "tests", "emulator", "harness.py")
# What a checkout that is not a git repository (an unpacked archive) leaves out of the mirror, as .gitignore does.
NOT_IN_GIT = (".git", ".venv", ".build", "__pycache__", ".pytest_cache", ".hypothesis", ".ansible", "output",
              "_build", "*.pyc")


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def mirror_checkout(tree):
    """Make tree hold exactly the checkout's files, leaving its tests/output (ansible-test's venvs) in place."""
    os.makedirs(os.path.join(tree, "tests"), exist_ok=True)
    for name in os.listdir(tree):
        if name != "tests":
            remove(os.path.join(tree, name))
    for name in os.listdir(os.path.join(tree, "tests")):
        if name != "output":
            remove(os.path.join(tree, "tests", name))
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=REPO_ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(REPO_ROOT, tree, ignore=shutil.ignore_patterns(*NOT_IN_GIT), dirs_exist_ok=True)
    else:
        for rel in listed.decode("utf-8").split("\0"):
            if rel and os.path.isfile(os.path.join(REPO_ROOT, rel)):
                os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
                shutil.copy2(os.path.join(REPO_ROOT, rel), os.path.join(tree, rel))
    # ansible-test lists content with git inside a repository: without a repository of its own, the mirror would
    # be an ignored folder of the checkout around it, and every target would be skipped.
    git = ["git", "-c", "user.name=ansible-test", "-c", "user.email=ansible-test@localhost"]
    subprocess.run(git + ["init", "-q"], cwd=tree, check=True)
    subprocess.run(git + ["add", "-A"], cwd=tree, check=True)


def install_get_pip_stand_in():
    """Put tests/tooling/get_pip.py where ansible-test looks for its cached get-pip script, unless one is there."""
    import ansible_test
    source = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(source, encoding="utf-8") as handle:
        pip_version = re.search(r"\bpip='([0-9.]+)'", handle.read()).group(1)
    cached = os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % pip_version.replace(".", "_"))
    if not os.path.exists(cached):
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        shutil.copyfile(os.path.join(REPO_ROOT, "tests", "tooling", "get_pip.py"), cached)


def find_python(version, path=None):
    """The path of python<version> (``3.12``) on PATH or under pyenv, or None; pyenv's shims fail unless a version
    is selected, so the real binaries under $PYENV_ROOT/versions stand in for them."""
    found = shutil.which("python" + version, path=path)
    if found and os.sep + "shims" + os.sep not in found:
        return found
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(glob.glob(os.path.join(pyenv, "versions", version + ".*", "bin", "python" + version)))
    return candidates[-1] if candidates else None


def python_links():
    """A folder of python3.X links, one for every Python 3 installed, made anew (no link to an uninstalled one)."""
    links = os.path.join(BUILD, "pythons")
    shutil.rmtree(links, ignore_errors=True)
    os.makedirs(links)
    for minor in range(6, 20):
        found = find_python("3.%d" % minor)
        if found:
            os.symlink(found, os.path.join(links, "python3.%d" % minor))
    return links


def run(tree, opts):
    """Mirror the checkout into tree and run ansible-test there as opts say."""
    mirror_checkout(tree)
    install_get_pip_stand_in()
    bin_dir = os.path.dirname(sys.executable)
    path = [bin_dir] + ([python_links()] if opts.all_pythons else []) + [os.environ.get("PATH", os.defpath)]
    args = opts.args[1:] if opts.args[:1] == ["--"] else opts.args
    command = [os.path.join(bin_dir, "ansible-test")] + args
    if opts.emulator:
        integration_vars = os.path.join(tree, "tests", "integration", "integration_config.yml")
        extra = ["--var", "genauth_in_process=false"] if opts.module_process else []
        command = [sys.executable, HARNESS, "run", "--vars-file", integration_vars] + extra + ["--scan-secrets", "--"] + command
    print("run_ansible_test: %s (in %s)" % (" ".join(command), os.path.relpath(tree, REPO_ROOT)), flush=True)
    return subprocess.call(command, cwd=tree, env=dict(os.environ, PATH=os.pathsep.join(path)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emulator", action="store_true")
    parser.add_argument("--module-process", action="store_true")
    parser.add_argument("--all-pythons", action="store_true")
    parser.add_argument("--tree", default=BUILD)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    os.makedirs(opts.tree, exist_ok=True)
    with open(os.path.join(opts.tree, "ansible-test.lock"), "w") as lock:
        # A second run on the same mirror (two `make test` at once) waits: it would remake the tree under the first.
        fcntl.flock(lock, fcntl.LOCK_EX)
        return run(os.path.join(os.path.abspath(opts.tree), COLLECTION), opts)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Run ansible-test on this checkout.

ansible-test needs the collection at ``.../ansible_collections/genauth/management``; the repository root is the
collection root, so this script mirrors the checkout's files (those git tracks or would track, so no venvs,
caches or build output) to ``.build/ansible_collections/genauth/management`` and runs ansible-test there.
``tests/output`` in the mirror survives between runs, so ansible-test's own delegation venvs are reused.

Usage::

    python tests/tooling/run_ansible_test.py [--emulator] [--all-pythons] -- sanity --venv --python 3.11 ...

--emulator      run ansible-test under the emulator harness, which starts the GenAuth emulator and a webhook
                receiver once, writes their connection to tests/integration/integration_config.yml in the
                mirror (ansible-test gives that file to every integration target as extra vars; it passes no
                other environment through), and stops the servers when ansible-test ends.
--all-pythons   put every python3.X found on PATH or under pyenv on ansible-test's PATH, so multi-version
                sanity tests (compile, import) cover each Python that is installed.

The ansible-test used is the one beside the running interpreter (the tools venv that the Makefile creates).
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO_ROOT, ".build")
TREE = os.path.join(BUILD, "ansible_collections", "genauth", "management")
KEPT_IN_TREE = ("tests/output",)
GET_PIP_STAND_IN = os.path.join(REPO_ROOT, "tests", "tooling", "get_pip.py")
HARNESS = os.path.join(REPO_ROOT, "tests", "emulator", "harness.py")
INTEGRATION_VARS = os.path.join(TREE, "tests", "integration", "integration_config.yml")
# Excluded when the checkout is not a git repository (an unpacked archive): the same as .gitignore.
WALK_EXCLUDES = {".git", ".venv", ".build", "__pycache__", ".pytest_cache", ".hypothesis", ".ansible", "output",
                 "_build"}


def checkout_files():
    """Relative paths of the files that belong to the checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=REPO_ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
        return sorted(p for p in listed.decode("utf-8").split("\0") if p and os.path.isfile(os.path.join(REPO_ROOT, p)))
    except (OSError, subprocess.CalledProcessError):
        found = []
        for root, dirs, files in os.walk(REPO_ROOT):
            dirs[:] = [d for d in dirs if d not in WALK_EXCLUDES]
            found.extend(os.path.relpath(os.path.join(root, f), REPO_ROOT) for f in files if not f.endswith(".pyc"))
        return sorted(found)


def mirror_checkout():
    """Make TREE hold exactly the checkout's files (plus the kept ansible-test output)."""
    os.makedirs(TREE, exist_ok=True)
    for name in os.listdir(TREE):
        path = os.path.join(TREE, name)
        if name == "tests" and os.path.isdir(path):
            for sub in os.listdir(path):
                if os.path.join("tests", sub) not in KEPT_IN_TREE:
                    _remove(os.path.join(path, sub))
        else:
            _remove(path)
    for rel in checkout_files():
        dest = os.path.join(TREE, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(os.path.join(REPO_ROOT, rel), dest)
    # ansible-test lists content with git when it is inside a repository; without one of its own, the mirror
    # would be read as an ignored folder of the checkout around it, and every target would be skipped.
    git = ["git", "-c", "user.name=ansible-test", "-c", "user.email=ansible-test@localhost"]
    subprocess.run(git + ["init", "-q"], cwd=TREE, check=True)
    subprocess.run(git + ["add", "-A"], cwd=TREE, check=True)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


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
    os.makedirs(links, exist_ok=True)
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = glob.glob(os.path.join(pyenv, "versions", "3.*", "bin", "python3.*"))
    for version in range(6, 20):
        name = "python3.%d" % version
        found = shutil.which(name, path=os.environ.get("PATH", "").replace(links, ""))
        if found and "/shims/" in found:
            found = None  # pyenv shims fail unless a version is selected
        if not found:
            found = next((c for c in sorted(candidates) if os.path.basename(c) == name), None)
        link = os.path.join(links, name)
        if found and not os.path.lexists(link):
            os.symlink(found, link)
    return links


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emulator", action="store_true")
    parser.add_argument("--all-pythons", action="store_true")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    args = opts.args[1:] if opts.args[:1] == ["--"] else opts.args

    mirror_checkout()
    install_get_pip_stand_in()
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ)
    path = [bin_dir]
    if opts.all_pythons:
        path.append(python_dirs())
    env["PATH"] = os.pathsep.join(path + [env.get("PATH", os.defpath)])
    command = [os.path.join(bin_dir, "ansible-test")] + args
    if opts.emulator:
        command = [sys.executable, HARNESS, "run", "--vars-file", INTEGRATION_VARS, "--"] + command
    print("run_ansible_test: %s (in %s)" % (" ".join(command), os.path.relpath(TREE, REPO_ROOT)), flush=True)
    return subprocess.call(command, cwd=TREE, env=env)


if __name__ == "__main__":
    sys.exit(main())

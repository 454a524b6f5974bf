"""Mirror the checkout into an ``ansible_collections/genauth/management`` tree.

The repository root is the collection root, but ansible-test, ansible-doc and antsibull-changelog need the
collection inside an ``ansible_collections/<namespace>/<name>`` folder. The mirror holds the files git tracks or
would track, so never venvs, caches or build output.

Why no tool does this: antsibull-nox builds such a tree for its own sessions only; ansible-test (with --venv, see
run_ansible_test.py) and antsibull-changelog's release preview need one they can run in.
"""

import os
import shutil
import subprocess

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

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


def mirror_checkout(tree, keep=()):
    """Make ``tree`` hold exactly the checkout's files, plus what it already has at the paths in ``keep``."""
    os.makedirs(tree, exist_ok=True)
    _clear(tree, "", set(keep))
    for rel in checkout_files():
        dest = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(os.path.join(REPO_ROOT, rel), dest)
    # ansible-test lists content with git when it is inside a repository; without one of its own, the mirror
    # would be read as an ignored folder of the checkout around it, and every target would be skipped.
    git = ["git", "-c", "user.name=ansible-test", "-c", "user.email=ansible-test@localhost"]
    subprocess.run(git + ["init", "-q"], cwd=tree, check=True)
    subprocess.run(git + ["add", "-A"], cwd=tree, check=True)


def _clear(tree, rel, keep):
    """Remove everything under tree/rel except the kept paths (and the folders leading to them)."""
    for name in os.listdir(os.path.join(tree, rel)):
        sub = os.path.join(rel, name)
        if sub in keep:
            continue
        if any(k.startswith(sub + os.sep) for k in keep) and os.path.isdir(os.path.join(tree, sub)):
            _clear(tree, sub, keep)
        else:
            _remove(os.path.join(tree, sub))


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)

"""A test run changes no file of the checkout: what git sees (tracked and untracked files, not the ignored
build output under .build, .venv and the like) is the same after the whole session as before it."""

import hashlib
import os
import subprocess

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def checkout_state():
    """{path: status and content digest} of every file git reports as changed or untracked; None outside git."""
    try:
        listed = subprocess.run(["git", "status", "--porcelain=v1", "-z", "--untracked-files=all"], cwd=REPO_ROOT,
                                check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    state = {}
    entries = iter(listed.decode("utf-8", "surrogateescape").split("\0"))
    for entry in entries:
        if not entry:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":
            next(entries)  # the path it was renamed or copied from
        full = os.path.join(REPO_ROOT, path)
        digest = None
        if os.path.isfile(full):
            with open(full, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        state[path] = (status, digest)
    return state


@pytest.mark.after_everything
def test_the_run_changed_no_file_of_the_checkout(pytestconfig):
    before = pytestconfig.checkout_before
    if before is None:
        pytest.skip("not a git checkout")
    after = checkout_state()
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    assert not changed, "the test run changed these files of the checkout: %s" % ", ".join(changed)

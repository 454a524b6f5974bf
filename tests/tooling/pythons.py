"""Find installed Python interpreters by version, on PATH or under pyenv.

pyenv's shims fail unless a version is selected, so they are skipped in favour of the real binaries under
``$PYENV_ROOT/versions`` (``~/.pyenv`` by default).

Why no tool does this: ansible-test looks for ``python3.X`` on PATH only, so run_ansible_test.py --all-pythons and
matrix.py put the interpreters this finds there.
"""

import glob
import os
import shutil


def find_python(version, path=None):
    """The path of ``python<version>`` (for example ``3.12``), or None if it is not installed."""
    name = "python%s" % version
    found = shutil.which(name, path=path if path is not None else os.environ.get("PATH", ""))
    if found and os.sep + "shims" + os.sep not in found:
        return found
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(glob.glob(os.path.join(pyenv, "versions", version + ".*", "bin", name)))
    return candidates[-1] if candidates else None

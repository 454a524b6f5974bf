"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

Why no tool does this: ansible-test offers no other way to bootstrap pip in its --venv environments, and
antsibull-nox's ansible-test sessions run in containers that bring their own pip.

ansible-test creates its sanity, units and integration virtual environments without pip, then runs
``python get_pip_<version>.py [pip options] pip==<version> [--no-setuptools] [--no-wheel]``, which it fetches
once from a host outside the package registries and caches under ``~/.ansible/test/cache/``. Machines that reach
only the package registries cannot fetch it, so ``tests/tooling/run_ansible_test.py`` puts this script in the
cache instead (it never replaces a real one). It bootstraps pip from the interpreter's bundled ``ensurepip``
and then lets that pip install what ansible-test asked for, from the configured index.
"""

import subprocess
import sys

# Options of the real get-pip that pip's own installer does not know; ansible-test sends them to keep
# setuptools and wheel out of its environments, and ensurepip's pip installs neither of them on request.
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main():
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + args)


if __name__ == "__main__":
    main()

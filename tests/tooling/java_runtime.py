#!/usr/bin/env python
"""Make sure ansible-rulebook has the Java runtime it needs: version 17 or newer, JAVA_HOME's or the `java` on PATH
(where ansible-rulebook looks for it). `make rulebook` runs this before it creates the ansible-rulebook venv.

    python3 tests/tooling/java_runtime.py

Where there is none, and the machine has apt-get and this runs as root (Debian, Ubuntu, this project's machines
and CI), it installs OpenJDK 17 (or the distribution's default runtime where it has no 17) with apt-get; elsewhere it
exits 1 and says what to install. Why no tool does this: ansible-rulebook's own check runs only when it starts.
"""

import os
import re
import shutil
import subprocess
import sys

MINIMUM = 17
PACKAGES = ("openjdk-17-jre-headless", "default-jre-headless")
HOW_TO_INSTALL = """\
ansible-rulebook needs a Java runtime of version {minimum} or newer, and {found}.
Install one, then run make again:
  Debian, Ubuntu:  sudo apt-get install openjdk-17-jre-headless
  Fedora, RHEL:    sudo dnf install java-17-openjdk-headless
  macOS:           brew install openjdk@17   (and set JAVA_HOME to its path)
or set JAVA_HOME to a Java {minimum}+ installation."""


def java_executable():
    home = os.environ.get("JAVA_HOME")
    if home:
        return os.path.join(home, "bin", "java")
    return shutil.which("java")


def java_version(executable):
    """The major version of the Java at ``executable`` (8 for "1.8.0_392"), or None when it does not run."""
    try:
        proc = subprocess.run([executable, "-version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=60, check=False)
    except OSError:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def found():
    """(executable, major version) of the Java ansible-rulebook would use, or (None, None)."""
    executable = java_executable()
    return (executable, java_version(executable)) if executable else (None, None)


def install_with_apt():
    """Install the first of PACKAGES that apt has; False when this machine cannot."""
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    for package in PACKAGES:
        policy = subprocess.run(["apt-cache", "policy", package], stdout=subprocess.PIPE, universal_newlines=True,
                                env=env, check=False).stdout
        if re.search(r"Candidate: (?!\(none\))", policy):
            print("java_runtime: installing %s with apt-get for ansible-rulebook" % package, flush=True)
            return subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
                                  env=env, check=False).returncode == 0
    return False


def main():
    executable, version = found()
    if version is not None and version >= MINIMUM:
        return 0
    if not os.environ.get("JAVA_HOME") and install_with_apt():
        executable, version = found()
        if version is not None and version >= MINIMUM:
            return 0
    if executable is None:
        what = "there is no `java` on PATH and JAVA_HOME is not set"
    elif version is None:
        what = "%s does not run" % executable
    else:
        what = "%s is Java %d" % (executable, version)
    print(HOW_TO_INSTALL.format(minimum=MINIMUM, found=what), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

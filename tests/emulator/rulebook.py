"""ansible-rulebook from the venv that `make rulebook` creates (.build/rulebook), run in the background with its
output collected, for the event source's integration tests and `make demo-events`.

    with Rulebook(rulebook, collections, workdir, env={"GENAUTH_EVENTS_PORT": "5000", ...}) as run:
        run.wait_for(r"genauth_events: listening on ")
        ...  # deliveries
        run.wait(timeout=60)  # a rule's shutdown action ends it
    run.output
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RULEBOOK_BIN = REPO_ROOT / ".build" / "rulebook" / "bin"
ANSIBLE_RULEBOOK = RULEBOOK_BIN / "ansible-rulebook"
INVENTORY = "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
STOP_TIMEOUT = 15.0


class RulebookError(RuntimeError):
    """ansible-rulebook is missing, did not get where a test waits for, or did not stop; the message says why, with
    the end of its output."""


def missing() -> str | None:
    """Why ansible-rulebook cannot run here (None when it can)."""
    if not ANSIBLE_RULEBOOK.exists():
        return f"{ANSIBLE_RULEBOOK} is missing: `make rulebook` (which make test runs first) creates it"
    if not os.environ.get("JAVA_HOME") and not shutil.which("java"):
        return ("ansible-rulebook needs a Java runtime of version 17 or newer, and there is none on PATH nor in "
                "JAVA_HOME: `python3 tests/tooling/java_runtime.py` installs one or says what to install")
    return None


class Rulebook:
    """One ansible-rulebook process: ``--rulebook`` a file or a collection's rulebook by name, the collection found
    in ``collections``, ``env`` given to it with ``--env-vars``, at ``verbosity``."""

    def __init__(self, rulebook: str, collections: str, workdir, env: dict[str, str], verbosity: str = "-vv",
                 extra_env: dict[str, str] | None = None):
        reason = missing()
        if reason:
            raise RulebookError(reason)
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        inventory = workdir / "inventory.yml"
        inventory.write_text(INVENTORY, encoding="utf-8")
        self.command = [str(ANSIBLE_RULEBOOK), "--rulebook", rulebook, "--inventory", str(inventory),
                        "--env-vars", ",".join(sorted(env))]
        if verbosity:
            self.command.append(verbosity)
        # ansible-galaxy, with which ansible-rulebook finds the collection, comes from the same venv.
        self.env = {**os.environ, **(extra_env or {}), **env, "PATH": f"{RULEBOOK_BIN}{os.pathsep}{os.environ['PATH']}",
                    "ANSIBLE_COLLECTIONS_PATH": str(collections), "ANSIBLE_HOME": str(workdir / "ansible-home"),
                    "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-tmp"), "PYTHONUNBUFFERED": "1"}
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self._lines: list[str] = []
        self._changed = threading.Condition()

    def __enter__(self) -> "Rulebook":
        self.proc = subprocess.Popen(self.command, cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        """Stop it if it still runs (SIGTERM, then SIGKILL)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with self._changed:
            self._changed.wait_for(lambda: self._done, timeout=STOP_TIMEOUT)

    _done = False

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._done = True
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._lines)

    def _failure(self, what: str) -> RulebookError:
        return RulebookError(f"{what} ({' '.join(self.command)}):\n{self.output[-6000:]}")

    def wait_for(self, pattern: str, timeout: float = 60.0, count: int = 1) -> list[re.Match]:
        """The first ``count`` matches of ``pattern`` in the output, once there are that many; RulebookError when
        ansible-rulebook ends or ``timeout`` passes first."""
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = list(regex.finditer("".join(self._lines)))
                if len(found) >= count:
                    return found[:count]
                if self._done:
                    raise self._failure(f"ansible-rulebook ended (exit code {self.proc.wait()}) before printing "
                                        f"{count} x {pattern!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._failure(f"ansible-rulebook printed {len(found)} of {count} x {pattern!r} within "
                                        f"{timeout:g} s")
                self._changed.wait(left)

    def wait(self, timeout: float = 60.0) -> int:
        """Its exit code, once it has ended by itself (a rule's shutdown action); RulebookError after ``timeout``."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise self._failure(f"ansible-rulebook did not end within {timeout:g} s") from None
        with self._changed:
            self._changed.wait_for(lambda: self._done, timeout=STOP_TIMEOUT)
        return code

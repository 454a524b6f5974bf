"""A real forwarding proxy on loopback for the tests: proxy.py (PyPI's ``proxy.py``, pinned in tests/constraints.txt),
which tunnels HTTPS with CONNECT and forwards plain HTTP, and asks for Basic credentials (``--basic-auth``), as a
corporate proxy does.

    with ForwardingProxy(workdir) as proxy:
        proxy.url()                    # http://user:password@127.0.0.1:PORT, percent-encoded
        proxy.url(credentials=None)    # the same proxy without credentials: it answers 407
        proxy.requests()               # [("CONNECT", "127.0.0.1:8443"), ...], from its access log

It logs one line per connection when the connection ends, so ``requests()`` waits a moment for the lines of the
connections that are closing.
"""

import base64
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
# 127.0.0.1:35548 - CONNECT 127.0.0.1:44295 - 2073 bytes - 88.11ms ; "None:None" when it refused before reading
# where to.
_ACCESS = re.compile(r" - (CONNECT|GET|POST|PUT|DELETE|HEAD) (\S+?)(?:/\S*)? - ")


class ProxyStartError(RuntimeError):
    pass


class ForwardingProxy:
    """proxy.py as a subprocess, for the time of a ``with`` block, requiring ``user`` and a password it makes."""

    def __init__(self, workdir, user: str = "ci-proxy"):
        self.workdir, self.user = Path(workdir), user
        # Characters that the URL must percent-encode, so that the encoded and the decoded form both count.
        self.password = "p@ss:%s/" % secrets.token_urlsafe(12)
        self.port: int | None = None
        self.log_path = self.workdir / "proxy.log"
        self._proc: subprocess.Popen | None = None
        self._offset = 0

    def __enter__(self) -> "ForwardingProxy":
        self.workdir.mkdir(parents=True, exist_ok=True)
        port_file = self.workdir / "proxy-port"
        port_file.unlink(missing_ok=True)
        command = [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", "0",
                   "--port-file", str(port_file), "--basic-auth", "%s:%s" % (self.user, self.password),
                   "--num-workers", "1", "--num-acceptors", "1", "--data-dir", str(self.workdir / "proxy-data"),
                   "--log-level", "INFO", "--log-file", str(self.log_path)]
        self._proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                      env=dict(os.environ))
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline and self._proc.poll() is None:
            text = port_file.read_text() if port_file.exists() else ""
            if text.strip():
                self.port = int(text.split()[0])
                return self
            time.sleep(0.02)
        self.__exit__()
        tail = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
        raise ProxyStartError("proxy.py did not start (exit code %s):\n%s" % (self._proc.poll(), tail))

    def __exit__(self, *exc_info) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def url(self, credentials: str | tuple | None = "valid") -> str:
        """The proxy's URL: with its credentials ("valid"), without (None), or with (user, password) given."""
        if credentials is None:
            return "http://127.0.0.1:%d" % self.port
        user, password = (self.user, self.password) if credentials == "valid" else credentials
        return "http://%s:%s@127.0.0.1:%d" % (quote(user, safe=""), quote(password, safe=""), self.port)

    def secrets(self) -> dict[str, str]:
        """label -> value of what no output may show: the password, as written and percent-encoded, and the
        Proxy-Authorization a client sends."""
        basic = base64.b64encode(("%s:%s" % (self.user, self.password)).encode()).decode()
        return {"proxy_password": self.password, "proxy_password_encoded": quote(self.password, safe=""),
                "proxy_authorization": basic}

    def mark(self) -> None:
        """Forget what the proxy logged so far: ``requests()`` tells only what comes after."""
        self._offset = self.log_path.stat().st_size if self.log_path.exists() else 0

    def requests(self, settle: float = 1.0) -> list[tuple[str, str]]:
        """(method, target) of each connection since ``mark()``, once no line came for ``settle`` seconds."""
        seen, quiet_since = None, time.monotonic()
        while True:
            lines = self._lines()
            if lines != seen:
                seen, quiet_since = lines, time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return [match.groups() for match in map(_ACCESS.search, lines) if match]
            time.sleep(0.05)

    def _lines(self) -> list[str]:
        if not self.log_path.exists():
            return []
        with open(self.log_path, "rb") as log:
            log.seek(self._offset)
            return log.read().decode("utf-8", errors="replace").splitlines()

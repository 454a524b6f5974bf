#!/usr/bin/env python
"""Start the GenAuth emulator and a webhook receiver for a test run, then stop them.

Python API::

    from tests.emulator.harness import Servers

    with Servers(workdir, tls=True) as servers:
        env = {**os.environ, **servers.env()}
        servers.emulator.add_fault("trigger-webhook", "envelope_status", status=503)
        ...
        assert servers.receiver.deliveries()[0]["path"] == "/hooks/deploy"

CLI (runs CMD with servers.env() added to its environment, exits with its code)::

    python tests/emulator/harness.py run [--tls] [--workdir DIR] [--vars-file FILE [--var NAME=VALUE]...]
        [--scan-secrets] -- CMD ARGS...

``--vars-file`` also writes servers.integration_vars() to FILE (JSON, which is YAML) and removes it at the end:
ansible-test passes few environment variables to its targets, so they read the connection from
``tests/integration/integration_config.yml``, which ansible-test gives every target as extra vars.
``--scan-secrets`` passes CMD's output through, then fails the run if a secret of the servers shows in it, or out of
place in a request the emulator received (:class:`SecretScan`).

Each start seeds one user pool (a random secret, so that tests can scan output for leaks) and four webhooks:
"deploy", "form", "disabled" and "unreachable".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
READY_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
LOOPBACK_NO_PROXY = "127.0.0.1,localhost,::1"


class ServerStartError(RuntimeError):
    """A server did not become ready; the message holds the end of its log."""


def _new_object_id() -> str:
    return secrets.token_hex(12)


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SilentServer:
    """A loopback port that accepts every connection and never answers, as an API that hangs does; for the time of a
    ``with`` block. ``connections`` counts what it accepted."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> "SilentServer":
        self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, dummy = self._listener.accept()
            except OSError:  # a timeout: look at the stop flag again
                continue
            self.connections += 1
            self._held.append(conn)

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        for conn in self._held:
            conn.close()


class _ControlClient:
    """JSON calls to a server's control API under ``prefix``, never through a proxy: they stay on loopback."""

    prefix = ""

    def __init__(self, base_url: str, ca_path: str | None = None):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = ca_path or True

    def _control(self, method: str, route: str, payload: dict | None = None) -> dict:
        response = self.session.request(method, f"{self.base_url}{self.prefix}{route}", json=payload, timeout=10)
        response.raise_for_status()
        return response.json()


class EmulatorControl(_ControlClient):
    """The emulator's /__emulator__/ control API, and raw API calls."""

    prefix = "/__emulator__/"

    def add_fault(self, endpoint: str, kind: str, **options) -> dict:
        """Inject a fault; options: count, status, retry_after, delay, phase, text.

        Kinds: http_status, http_401, envelope_status, delay, html, invalid_json, drop (close without an answer) and
        truncate (send the headers and half the body, then close)."""
        return self._control("POST", "faults", {"endpoint": endpoint, "kind": kind, **options})

    def faults(self) -> list[dict]:
        return self._control("GET", "faults")["faults"]

    def revoke_tokens(self) -> int:
        return self._control("POST", "tokens/revoke")["revoked"]

    def expire_tokens(self) -> int:
        return self._control("POST", "tokens/expire")["expired"]

    def issued_tokens(self) -> list[str]:
        """Every management token the emulator has issued since it started."""
        return self._control("GET", "tokens")["tokens"]

    def requests(self, endpoint: str | None = None) -> list[dict]:
        """The API requests since the last reset, oldest first; optionally only those of one endpoint."""
        entries = self._control("GET", "requests")["requests"]
        return [e for e in entries if endpoint is None or e["endpoint"] == endpoint]

    def reset(self) -> None:
        self._control("POST", "reset")

    def add_webhooks(self, webhooks: list[dict]) -> list[str]:
        """Add webhooks (each with its userpoolId) without an API request each; the next reset removes them."""
        return self._control("POST", "webhooks", {"webhooks": webhooks})["webhookIds"]

    def emit_event(self, userpool_id: str, event_name: str, data: dict | None = None) -> list[dict]:
        """Make an event happen in a user pool, as GenAuth does: each of its enabled webhooks that subscribes to the
        event gets {"eventName", "data"}. Returns each delivery's webhookId with the subscriber's answer or the error."""
        return self._control("POST", "events", {"userpoolId": userpool_id, "eventName": event_name,
                                                "data": data or {}})["deliveries"]

    def configure(self, api_latency: float) -> dict:
        """Make every API call wait ``api_latency`` seconds before it is processed, until the next reset."""
        return self._control("POST", "config", {"api_latency": api_latency})

    def state(self) -> dict:
        return self._control("GET", "state")

    def call(self, method: str, endpoint: str, token: str | None = None, **kwargs) -> requests.Response:
        """One /api/v3/<endpoint> request, to see exactly what the API answers; kwargs go to requests."""
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", 15)
        return self.session.request(method, f"{self.base_url}/api/v3/{endpoint}", headers=headers, **kwargs)

    def management_token(self, access_key_id: str, access_key_secret: str) -> str:
        body = self.call("POST", "get-management-token",
                         json={"accessKeyId": access_key_id, "accessKeySecret": access_key_secret}).json()
        if body.get("statusCode") != 200:
            raise RuntimeError(f"get-management-token failed: {body}")
        return body["data"]["access_token"]


class ReceiverControl(_ControlClient):
    """The webhook receiver's /__receiver__/ control API."""

    prefix = "/__receiver__/"

    def deliveries(self) -> list[dict]:
        return self._control("GET", "deliveries")["deliveries"]

    def reset(self) -> None:
        self._control("POST", "reset")

    def configure(self, **config) -> dict:
        """The answer: status, body (any JSON; {"echo": true} echoes), text, delay, gather."""
        return self._control("POST", "config", config)["config"]


class Servers:
    """A webhook receiver and the emulator as subprocesses, for the time of a ``with`` block."""

    def __init__(self, workdir, tls: bool = False, token_ttl: int = 7200, delivery_timeout: float = 10.0):
        self.workdir, self.tls, self.token_ttl, self.delivery_timeout = Path(workdir), tls, token_ttl, delivery_timeout
        self.userpool_id = self.access_key_id = _new_object_id()
        self.access_key_secret = secrets.token_urlsafe(32)
        # A second pool that owns one webhook, to check that pools cannot see each other's.
        self.other_userpool_id = _new_object_id()
        self.other_access_key_secret = secrets.token_urlsafe(32)
        self.foreign_webhook_id = _new_object_id()
        self.webhooks: dict[str, str] = {}
        self.webhook_secrets: dict[str, str] = {}
        # Secrets that tests and targets give the webhooks they declare (genauth_webhook): scanned like the seeded
        # ones, and allowed only as the secret field of a create or update request.
        self.declared_secrets = {name: secrets.token_urlsafe(24) for name in ("first", "second")}
        self.emulator_url = self.receiver_url = self.ca_path = self.other_ca_path = None
        self.emulator: EmulatorControl | None = None
        self.receiver: ReceiverControl | None = None
        # Every API request the emulator answers, across resets, one JSON object a line.
        self.request_log = self.workdir / "emulator-requests.jsonl"
        self._procs: list[subprocess.Popen] = []

    def __enter__(self) -> "Servers":
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self.receiver_url = self._spawn("receiver", "webhook_receiver.py", [])
            self.receiver = ReceiverControl(self.receiver_url)
            args = ["--seed", str(self._write_seed()), "--token-ttl", str(self.token_ttl),
                    "--delivery-timeout", str(self.delivery_timeout), "--log-file", str(self.request_log)]
            if self.tls:
                args += self._make_tls_files()
            self.emulator_url = self._spawn("emulator", "genauth_emulator.py", args, RECEIVER_URL=self.receiver_url)
            self.emulator = EmulatorControl(self.emulator_url, self.ca_path)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        """Terminate the servers, and kill those that linger."""
        for proc in reversed(self._procs):
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._procs.clear()

    def _spawn(self, name: str, script: str, args: list[str], **env) -> str:
        """Start one server script; returns its URL, from its ready file."""
        ready, log_path = self.workdir / f"{name}-ready.json", self.workdir / f"{name}.log"
        ready.unlink(missing_ok=True)
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, str(HERE / script), "--host", "127.0.0.1", "--port", "0",
                                     "--ready-file", str(ready), *args],
                                    stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
        self._procs.append(proc)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if ready.exists():
                return json.loads(ready.read_text(encoding="utf-8"))["url"]
            time.sleep(0.02)
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise ServerStartError(f"{name} did not become ready (exit code {proc.poll()}):\n{tail}")

    def _write_seed(self) -> Path:
        hooks = {"deploy": {"url": "${RECEIVER_URL}/hooks/deploy"},
                 "form": {"url": "${RECEIVER_URL}/hooks/form", "contentType": "application/x-www-form-urlencoded"},
                 "disabled": {"url": "${RECEIVER_URL}/hooks/disabled", "enabled": False},
                 "unreachable": {"url": f"http://127.0.0.1:{closed_port()}/hook"}}
        seeded = []
        for name, fields in hooks.items():
            self.webhooks[name], self.webhook_secrets[name] = _new_object_id(), secrets.token_urlsafe(24)
            seeded.append({"userpoolId": self.userpool_id, "webhookId": self.webhooks[name], "name": name,
                           "events": ["test"], "secret": self.webhook_secrets[name], **fields})
        seeded.append({"userpoolId": self.other_userpool_id, "webhookId": self.foreign_webhook_id, "name": "foreign",
                       "url": "${RECEIVER_URL}/hooks/foreign", "events": ["test"], "secret": secrets.token_urlsafe(24)})
        pools = [{"id": self.userpool_id, "accessKeySecret": self.access_key_secret},
                 {"id": self.other_userpool_id, "accessKeySecret": self.other_access_key_secret}]
        path = self.workdir / "seed.json"
        path.write_text(json.dumps({"userpools": pools, "webhooks": seeded}, indent=2), encoding="utf-8")
        return path

    def _make_tls_files(self) -> list[str]:
        """A test CA, a server certificate for the loopback names, and an unrelated second CA."""
        try:
            import trustme  # only TLS runs need it
        except ImportError:
            raise ServerStartError(
                f"--tls needs the Python package trustme, which {sys.executable} does not have: run the harness with "
                f"the project's .venv/bin/python (`make venv` creates it), or install trustme "
                f"(pinned in tests/constraints.txt) into this Python") from None
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
        self.ca_path, self.other_ca_path = str(self.workdir / "ca.pem"), str(self.workdir / "other-ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        trustme.CA().cert_pem.write_to_path(self.other_ca_path)
        cert_path, key_path = self.workdir / "server-chain.pem", self.workdir / "server-key.pem"
        cert.private_key_pem.write_to_path(str(key_path))
        cert_path.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        return ["--tls-cert", str(cert_path), "--tls-key", str(key_path)]

    def env(self) -> dict[str, str]:
        """The environment that points a client at these servers."""
        env = {"GENAUTH_HOST": self.emulator_url, "GENAUTH_ACCESS_KEY_ID": self.access_key_id,
               "GENAUTH_ACCESS_KEY_SECRET": self.access_key_secret, "GENAUTH_WEBHOOK_ID": self.webhooks["deploy"],
               # docs/examples/deploy.yml's second target (the audit log).
               "GENAUTH_AUDIT_WEBHOOK_ID": self.webhooks["form"], "RECEIVER_URL": self.receiver_url,
               # Loopback traffic never goes through a proxy a developer has configured.
               "NO_PROXY": LOOPBACK_NO_PROXY, "no_proxy": LOOPBACK_NO_PROXY}
        if self.ca_path:
            env["EMULATOR_CA_PATH"] = self.ca_path
        return env

    def logged_requests(self) -> list[dict]:
        """Every API request the emulator has answered since it started (``requests()``: since the last reset)."""
        if not self.request_log.exists():
            return []
        with open(self.request_log, encoding="utf-8") as log:
            return [json.loads(line) for line in log if line.strip()]

    def integration_vars(self) -> dict:
        """The variables of ansible-test integration targets (tests/integration/integration_config.yml)."""
        return {"genauth_host": self.emulator_url, "genauth_access_key_id": self.access_key_id,
                "genauth_access_key_secret": self.access_key_secret, "genauth_webhooks": dict(self.webhooks),
                "genauth_emulator_url": self.emulator_url, "genauth_receiver_url": self.receiver_url,
                "genauth_ca_path": self.ca_path or "", "genauth_declared_secrets": dict(self.declared_secrets)}


# Where a request may carry a secret: the field of its body, and the labels of the secrets allowed in that field
# (how a token is asked for, and how a webhook's secret is set).
_WEBHOOK_SECRETS = ("webhook_secret[", "declared_secret[")
ALLOWED_IN_BODY = {"get-management-token": ("accessKeySecret", ("access_key_secret", "other_access_key_secret")),
                   "create-webhook": ("secret", _WEBHOOK_SECRETS), "update-webhook": ("secret", _WEBHOOK_SECRETS)}


class SecretScan:
    """Where the secrets of a :class:`Servers` run show up where they must not.

    The secrets are both access key secrets, every management token the emulator issued (to a module or to a test)
    and every webhook secret. None may appear in the texts given (a run's output, a registered result), nor anywhere
    in what the emulator received but the one place each belongs: a token in the Authorization header, and the
    fields of ALLOWED_IN_BODY.
    """

    def __init__(self, servers: Servers, extra: dict[str, str] | None = None):
        self.servers, self.extra = servers, dict(extra or {})

    def secrets(self) -> dict[str, str]:
        """label -> value of everything that must stay hidden: the servers' secrets, and ``extra`` (a proxy's
        credentials), which no request may carry either."""
        servers = self.servers
        found = dict(self.extra)
        found.update({"access_key_secret": servers.access_key_secret,
                      "other_access_key_secret": servers.other_access_key_secret})
        found.update({f"webhook_secret[{name}]": secret for name, secret in servers.webhook_secrets.items()})
        found.update({f"declared_secret[{name}]": secret for name, secret in servers.declared_secrets.items()})
        found.update({f"token#{number}": token for number, token in enumerate(servers.emulator.issued_tokens())})
        return found

    def leaks(self, texts: dict[str, str], requests: list[dict] | None = None) -> list[str]:
        """Each leak as "<secret label> in <where>" (never the secret itself); empty when there is none.

        :param texts: where -> text, such as {"output": ..., "registered result": ...}.
        :param requests: the emulator's requests to check; by default those since its last reset.
        """
        secrets = self.secrets()
        found = [f"{label} in the {where}" for where, text in texts.items()
                 for label, secret in secrets.items() if secret in text]
        for number, entry in enumerate(self.servers.emulator.requests() if requests is None else requests):
            headers = {name.lower(): value for name, value in entry["headers"].items()}
            bearer = headers.pop("authorization", "")
            body = entry["body"] or ""
            field, labels = ALLOWED_IN_BODY.get(entry["endpoint"], (None, ()))
            try:
                sent = json.loads(body).get(field)
            except (ValueError, AttributeError):
                sent = None
            if sent in [secret for label, secret in secrets.items() if label.startswith(labels)]:
                body = body.replace(json.dumps(sent), '"<in its place>"', 1)
            places = {"path": entry["path"] + "?" + (entry["query"] or ""), "headers": json.dumps(headers),
                      "body": body, "authorization": bearer}
            for label, secret in secrets.items():
                for where, text in places.items():
                    in_place = where == "authorization" and label.startswith("token#") and text == "Bearer " + secret
                    if secret in text and not in_place:
                        found.append(f"{label} in {where} of request #{number} ({entry['method']} {entry['path']})")
        return found


def _run_scanned(command: list[str], env: dict, servers: Servers) -> int:
    """Run ``command`` with its output passed through, then scan that output and the emulator's requests."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunks = []
    for line in proc.stdout:
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
        chunks.append(line)
    code = proc.wait()
    output = b"".join(chunks).decode("utf-8", errors="replace")
    requests = servers.logged_requests()
    leaks = SecretScan(servers).leaks({"output": output}, requests)
    if leaks:
        print(f"harness: secret scan: secrets leaked: {'; '.join(leaks)}", file=sys.stderr, flush=True)
        return code or 3
    # Each ansible-playbook run that is verbose at all starts with its version banner.
    playbooks = len(re.findall(r"^ansible-playbook \[core ", output, re.M))
    print(f"harness: secret scan: {playbooks} ansible-playbook runs; no secret in the {len(output)} characters of "
          f"output, nor out of place in the {len(requests)} requests the emulator received", file=sys.stderr,
          flush=True)
    return code


def _run(args: argparse.Namespace) -> int:
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("harness: no command given after --", file=sys.stderr)
        return 2
    workdir = args.workdir or tempfile.mkdtemp(prefix="genauth-emulator-")
    # SIGTERM becomes SystemExit, so that the `with` block below still stops the servers.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with Servers(workdir, tls=args.tls) as servers:
            print(f"harness: emulator {servers.emulator_url}  receiver {servers.receiver_url}  workdir {workdir}",
                  file=sys.stderr, flush=True)
            if args.vars_file:
                extra = dict(var.split("=", 1) for var in args.var)
                Path(args.vars_file).write_text(json.dumps(dict(servers.integration_vars(), **extra), indent=2)
                                                + "\n", encoding="utf-8")
            env = {**os.environ, **servers.env()}
            try:
                return _run_scanned(command, env, servers) if args.scan_secrets else subprocess.call(command, env=env)
            except FileNotFoundError as exc:
                print(f"harness: {exc}", file=sys.stderr)
                return 127
    except ServerStartError as exc:
        # A server that cannot start (a missing package, a port) is the harness's own message, not a traceback.
        print(f"harness: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.vars_file:
            # The servers are gone: a stale file would point later runs at closed ports.
            Path(args.vars_file).unlink(missing_ok=True)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def install_collection(workdir) -> str:
    """Build the collection tarball and install it under ``workdir/collections``, as users do; returns that
    collections path (for ANSIBLE_COLLECTIONS_PATH)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    galaxy = str(Path(sys.executable).parent / "ansible-galaxy")
    collections = str(workdir / "collections")
    for old in workdir.glob("genauth-management-*.tar.gz"):
        old.unlink()
    quiet = dict(env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": collections}, stdout=subprocess.PIPE,
                 stderr=subprocess.STDOUT)
    subprocess.run([galaxy, "collection", "build", "--force", "--output-path", str(workdir)], cwd=HERE.parents[1],
                   check=True, **quiet)
    tarball = next(workdir.glob("genauth-management-*.tar.gz"))
    subprocess.run([galaxy, "collection", "install", "--force", "-p", collections, str(tarball)], check=True, **quiet)
    return collections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a command against a local GenAuth emulator.")
    run = parser.add_subparsers(dest="action", required=True).add_parser(
        "run", help="start the servers, run CMD, stop the servers")
    run.add_argument("--tls", action="store_true", help="serve the emulator over HTTPS")
    run.add_argument("--workdir", help="where seed, certificates and logs go (kept)")
    run.add_argument("--vars-file", help="also write the servers' connection as Ansible vars (JSON) here")
    run.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                     help="one more variable for --vars-file (repeatable)")
    run.add_argument("--scan-secrets", action="store_true",
                     help="fail (exit 3) when a secret shows in CMD's output or out of place in a request")
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD ARGS...")
    return _run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

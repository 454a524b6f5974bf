"""Standard-library plumbing of the emulator and the webhook receiver, which must run under any python3.11+ with no
other package: a threaded (optionally TLS) HTTP server that stays quiet about clients that hang up, replies, the
checks of a control-API request, the ready file the harness waits for, and a clean stop on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import ssl
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Nothing the tests send needs more, and a misbehaving client cannot exhaust memory.
MAX_BODY_BYTES = 1 << 20
# An idle keep-alive client, or one that never finishes its TLS handshake, cannot pin a handler thread forever.
CONNECTION_TIMEOUT = 30


@dataclass
class Reply:
    """One HTTP answer. Sending None instead closes the connection without an answer."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict = field(default_factory=dict)
    # The business statusCode of a V3 envelope (which comes with HTTP 200), for the request log.
    envelope_status: int | None = None
    # Send the headers and half of the body, then close: a connection dropped mid-answer.
    truncate: bool = False


def json_reply(obj, status: int = 200, headers: dict | None = None, truncate: bool = False) -> Reply:
    code = obj.get("statusCode") if isinstance(obj, dict) and status == 200 else None
    return Reply(status, json.dumps(obj).encode(), headers=dict(headers or {}), truncate=truncate,
                 envelope_status=code if isinstance(code, int) else None)


def check_fields(spec, allowed, what: str) -> None:
    """A control-API request is a JSON object of known fields; else ValueError."""
    if not isinstance(spec, dict):
        raise ValueError(f"{what} must be a JSON object")
    unknown = set(spec) - set(allowed)
    if unknown:
        raise ValueError(f"unknown {what} field(s): {', '.join(sorted(unknown))}")


def number(spec: dict, name: str, default, low, high=None, whole: bool = False):
    """``spec[name]`` or ``default``: a number (an integer if ``whole``) from low to high, or ValueError."""
    value = spec.get(name, default)
    if (not isinstance(value, int if whole else (int, float)) or isinstance(value, bool) or value < low
            or (high is not None and value > high)):
        bound = f">= {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{name} must be {'an integer' if whole else 'a number'} {bound}")
    return value


class QuietServer(ThreadingHTTPServer):
    """No traceback when a client goes away: tests time out, drop connections and fail TLS handshakes on purpose."""

    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 drops connections when dozens of clients connect at once (concurrent playbooks).
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout)):
            super().handle_error(request, client_address)


class BaseHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive; every method reads the body, then goes to ``control`` or ``serve``."""

    protocol_version = "HTTP/1.1"
    timeout = CONNECTION_TIMEOUT
    # Headers and body leave in one write: separate small writes trip Nagle and delayed ACK, ~40 ms a request.
    wbufsize = 64 * 1024
    control_prefix: str  # where the subclass's control API lives

    def setup(self):
        super().setup()
        # The listening socket does not handshake in accept(): a slow TLS client blocks only its own thread.
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def too_large_reply(self) -> Reply:
        return json_reply({"error": "body too large"}, 413)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            self.close_connection = True  # the unread body would corrupt the next request of the connection
            self.send_reply(self.too_large_reply())
            return
        body = self.rfile.read(length) if length > 0 else b""
        if url.path.startswith(self.control_prefix):
            self.send_reply(self.control(url.path[len(self.control_prefix):].rstrip("/"), body))
        else:
            self.serve(url, body)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def control_routes(self) -> dict:
        """(method, route) -> a function of the request's JSON that returns the answer's (None: {"ok": true}), or
        raises ValueError (400)."""
        raise NotImplementedError

    def serve(self, url, body: bytes) -> None:
        raise NotImplementedError

    def control(self, route: str, body: bytes) -> Reply:
        handler = self.control_routes().get((self.command, route))
        if handler is None:
            return json_reply({"error": f"no control route {self.command} {self.control_prefix}{route}"}, 404)
        try:
            answer = handler(json.loads(body.decode("utf-8")) if body.strip() else {})
        except ValueError as exc:
            return json_reply({"error": str(exc)}, 400)
        return json_reply({"ok": True} if answer is None else answer)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        """No line on stderr per request: the servers keep their own logs."""

    def header_dict(self) -> dict:
        """The request's headers with lower-case names; a repeated one joined by ', '."""
        headers: dict = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return headers

    def send_reply(self, reply: Reply | None) -> None:
        if reply is None:
            self.drop_connection()
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.truncate:
            self.wfile.write(reply.body[:len(reply.body) // 2])
            self.wfile.flush()
            self.drop_connection()
        elif self.command != "HEAD":
            self.wfile.write(reply.body)

    def drop_connection(self) -> None:
        """The client sees the connection end with no HTTP answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--ready-file", help='written as {"url", "port", "pid"} once listening')
    return parser


def run_server(name: str, handler_cls, args, tls_cert: str | None = None, tls_key: str | None = None) -> int:
    """Listen on ``args.host`` and ``args.port`` (HTTPS with a cert and key), tell where (the ready file, stderr),
    then serve until SIGTERM or SIGINT."""
    server = QuietServer((args.host, args.port), handler_cls)
    if tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(tls_cert, tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    host, port = server.server_address[:2]
    url = f"{'https' if tls_cert else 'http'}://{host}:{port}"
    if args.ready_file:
        # Written whole, then renamed: a poller never reads half of it.
        tmp = f"{args.ready_file}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"url": url, "port": port, "pid": os.getpid()}, handle)
        os.replace(tmp, args.ready_file)
    print(f"{name} listening on {url}", file=sys.stderr, flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    # serve_forever runs off the main thread: shutdown() waits for its loop to end, which a signal handler running on
    # the serving thread would wait for forever. A short poll interval keeps every test's teardown fast.
    worker = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    worker.start()
    while worker.is_alive() and not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0

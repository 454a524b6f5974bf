"""Standard-library plumbing shared by the emulator and the webhook receiver.

Both servers must run under any python3.11+ without third-party packages, so this
module only uses the standard library. It covers what both need: a threaded
(optionally TLS) HTTP server that stays quiet about clients that hang up, request
body reading, JSON replies, the ready file the harness waits for, and a clean stop
on SIGTERM/SIGINT.
"""

from __future__ import annotations

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

# Bodies larger than this are refused: nothing in the tested API needs more and
# it keeps a misbehaving client from exhausting memory.
MAX_BODY_BYTES = 1 << 20

# Per-connection socket timeout, so an idle keep-alive client or a client that
# never finishes its TLS handshake cannot pin a handler thread forever.
CONNECTION_TIMEOUT = 30


class BodyTooLarge(Exception):
    """The request body exceeds MAX_BODY_BYTES."""


@dataclass
class Reply:
    """One HTTP answer. A `None` Reply means: close the connection without answering."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict = field(default_factory=dict)
    # The business statusCode of a V3 envelope, kept for the request log.
    envelope_status: int | None = None
    # Send the headers and only half of the body, then close: a connection dropped mid-response.
    truncate: bool = False


def json_reply(obj, status: int = 200, headers: dict | None = None) -> Reply:
    """A JSON answer; remembers the envelope statusCode when `obj` is an envelope."""
    envelope_status = obj.get("statusCode") if isinstance(obj, dict) else None
    return Reply(
        status=status,
        body=json.dumps(obj).encode(),
        headers=dict(headers or {}),
        envelope_status=envelope_status if isinstance(envelope_status, int) else None,
    )


class QuietThreadingServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that does not print tracebacks when a client goes away.

    Tests deliberately time out, drop connections and fail TLS handshakes; those
    are expected and must not flood stderr.
    """

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 makes the kernel drop connection attempts when dozens of
    # clients connect at once (concurrent playbooks and forks); every handler runs in its own thread.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout)):
            return
        super().handle_error(request, client_address)


class QuietThreadingServerV6(QuietThreadingServer):
    address_family = socket.AF_INET6


class BaseHandler(BaseHTTPRequestHandler):
    """Request handler with HTTP/1.1 keep-alive, body reading and Reply sending."""

    protocol_version = "HTTP/1.1"
    timeout = CONNECTION_TIMEOUT
    # Buffer the response so headers and body leave in one write: separate small
    # writes trip Nagle + delayed ACK and add ~40 ms to every request.
    # handle_one_request() flushes after each request.
    wbufsize = 64 * 1024

    def setup(self):
        super().setup()
        # The listening socket is wrapped with do_handshake_on_connect=False so a
        # slow or failing TLS client only blocks its own handler thread, not accept().
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    # Subclasses set these: the path prefix of their control API, and the reply to an oversized body.
    control_prefix = "/__control__/"

    def too_large_reply(self) -> "Reply":
        return json_reply({"error": "body too large"}, 413)

    def do_GET(self):
        """Every method comes here: read the body, route the control API, hand the rest to serve()."""
        url = urllib.parse.urlsplit(self.path)
        try:
            body = self.read_body()
        except BodyTooLarge:
            self.send_reply(self.too_large_reply())
            return
        if url.path.startswith(self.control_prefix):
            self.send_reply(self.control(url.path[len(self.control_prefix):].rstrip("/"), body))
            return
        self.serve(url, body)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def control(self, route: str, body: bytes) -> "Reply":
        raise NotImplementedError

    def serve(self, url, body: bytes) -> None:
        raise NotImplementedError

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        """Silence the per-request stderr line; the servers keep their own logs."""

    def read_body(self) -> bytes:
        """Read the request body (Content-Length or chunked). Raises BodyTooLarge."""
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            # The unread body would corrupt the next keep-alive request.
            self.close_connection = True
            raise BodyTooLarge()
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # Skip optional trailers up to the terminating empty line.
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                self.close_connection = True
                raise BodyTooLarge()
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # CRLF after each chunk

    def header_dict(self) -> dict:
        """Request headers with lower-case names; repeated headers joined by ', '."""
        headers: dict = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return headers

    def send_reply(self, reply: Reply | None) -> None:
        """Send `reply`, or close the connection without a response when it is None."""
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
            return
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def drop_connection(self) -> None:
        """Close the socket so the client sees the connection end with no HTTP answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def make_server(host: str, port: int, handler_cls, tls_cert: str | None = None,
                tls_key: str | None = None) -> QuietThreadingServer:
    """Bind a threaded server; with a cert and key it serves HTTPS."""
    server_cls = QuietThreadingServerV6 if ":" in host else QuietThreadingServer
    server = server_cls((host, port), handler_cls)
    if tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(tls_cert, tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
    return server


def server_url(server: QuietThreadingServer, tls: bool) -> str:
    """Base URL of a bound server, with IPv6 literals bracketed."""
    host, port = server.server_address[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if tls else 'http'}://{host}:{port}"


def write_ready_file(path: str, info: dict) -> None:
    """Write the ready file atomically so a poller never reads half a JSON document."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(info, fh)
    os.replace(tmp, path)


def serve_until_signalled(server: QuietThreadingServer) -> None:
    """Serve in a worker thread until SIGTERM or SIGINT, then shut down cleanly.

    serve_forever runs off the main thread because server.shutdown() blocks until
    the serving loop exits, which would deadlock if called from a signal handler
    running on the serving thread itself.
    """
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    # A short poll interval keeps shutdown (and so every test teardown) fast.
    worker = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="serve", daemon=True)
    worker.start()
    # Event.wait with a timeout keeps the main thread responsive to signals.
    while not stop.wait(0.5):
        if not worker.is_alive():
            break
    server.shutdown()
    server.server_close()


def run_server(server, name: str, ready_file: str | None, tls: bool = False) -> int:
    """Announce where ``server`` listens (ready file and stderr), then serve until SIGTERM/SIGINT."""
    url = server_url(server, tls=tls)
    if ready_file:
        write_ready_file(ready_file, {"url": url, "port": server.server_address[1], "pid": os.getpid()})
    print(f"{name} listening on {url}", file=sys.stderr, flush=True)
    serve_until_signalled(server)
    return 0

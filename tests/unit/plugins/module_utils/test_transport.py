"""One HTTP exchange bounded in time and size (_transport, through the client), against a raw socket server on
loopback: what no mock at the requests level can show (a byte at a time, a compressed answer that expands, a
connection kept alive and then slowed)."""

import gzip
import json
import socket
import threading
import time
import zlib

import pytest

from ansible_collections.genauth.management.plugins.module_utils._auth import StaticToken
from ansible_collections.genauth.management.plugins.module_utils._client import GenAuthClient
from ansible_collections.genauth.management.plugins.module_utils._envelope import MAX_ANSWER_BYTES
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy
from ansible_collections.genauth.management.plugins.module_utils._webhooks import GET_WEBHOOK, TRIGGER_WEBHOOK

from ansible_collections.genauth.management.tests.unit.helpers import TOKEN

OK = json.dumps({"statusCode": 200, "message": "", "requestId": "r1", "data": {"webhookId": "wh1"}}).encode()


class RawServer(object):
    """Accepts connections on loopback and answers each request with ``answer(conn, server)``; counts the bytes
    of the answer it managed to send before the client went away."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.answer = None
        self.sent = 0
        self.requests = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, dummy = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        with conn:
            conn.settimeout(30)
            while True:
                request = b""
                while b"\r\n\r\n" not in request:
                    data = conn.recv(65536)
                    if not data:
                        return
                    request += data
                self.requests += 1
                try:
                    if not self.answer(conn, self):
                        return
                except OSError:
                    return

    def send(self, conn, data):
        conn.sendall(data)
        self.sent += len(data)

    def close(self):
        self._stop = True
        self.sock.close()


@pytest.fixture
def server():
    running = RawServer()
    yield running
    running.close()


def client(server, timeout=0.5, retries=0):
    return GenAuthClient("http://127.0.0.1:%d" % server.port, StaticToken(TOKEN), timeout=timeout,
                         retry_policy=RetryPolicy(retries), sleep=lambda seconds: None)


def head(length=None, extra=b""):
    length_header = b"Content-Length: %d\r\n" % length if length is not None else b""
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + length_header + extra + b"\r\n"


def trickle(conn, server, data, every=0.2):
    for index in range(len(data)):
        server.send(conn, data[index:index + 1])
        time.sleep(every)


def test_a_body_sent_a_byte_at_a_time_ends_at_the_timeout(server):
    body = b" " * 200 + OK

    def answer(conn, srv):
        srv.send(conn, head(len(body)))
        trickle(conn, srv, body)
    server.answer = answer
    with pytest.raises(GenAuthError) as info:
        client(server).call(GET_WEBHOOK)
    error = info.value
    assert error.no_answer and "no answer within 0.5 s (timeout)" in error.msg and "last byte" in error.msg
    # The client hung up after about three of the 200 bytes it was promised, not at the end of them.
    assert server.sent < len(head(len(body))) + 50


def test_headers_sent_a_byte_at_a_time_end_at_the_timeout(server):
    server.answer = lambda conn, srv: trickle(conn, srv, head(len(OK)) + OK)
    with pytest.raises(GenAuthError, match=r"trigger-webhook .* no answer within 0.5 s") as info:
        client(server).call(TRIGGER_WEBHOOK, json={"webhookId": "wh1"})
    assert "may have been processed" in info.value.msg and server.sent < 40


def test_a_kept_alive_connection_that_slows_down_is_bounded_too(server):
    def answer(conn, srv):
        if srv.requests == 1:
            srv.send(conn, head(len(OK)) + OK)
            return True
        trickle(conn, srv, head(len(OK)) + OK)
        return False
    server.answer = answer
    with client(server) as api:
        assert api.call(GET_WEBHOOK).data == {"webhookId": "wh1"}
        with pytest.raises(GenAuthError, match="no answer within 0.5 s"):
            api.call(GET_WEBHOOK)
    assert server.requests == 2


def test_an_answer_over_the_limit_is_refused_without_reading_it_all(server):
    def answer(conn, srv):
        srv.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        for dummy in range(4 * MAX_ANSWER_BYTES // len(chunk)):
            srv.send(conn, b"%x\r\n%s\r\n" % (len(chunk), chunk))
    server.answer = answer
    with pytest.raises(GenAuthError) as info:
        client(server, timeout=10).call(TRIGGER_WEBHOOK, json={"webhookId": "wh1"})
    assert "larger than %d bytes" % MAX_ANSWER_BYTES in info.value.msg and info.value.may_have_been_processed
    assert server.sent < 2 * MAX_ANSWER_BYTES


def test_a_declared_length_over_the_limit_is_refused_before_reading(server):
    server.answer = lambda conn, srv: srv.send(conn, head(MAX_ANSWER_BYTES + 1))
    with pytest.raises(GenAuthError, match="it declared %d bytes" % (MAX_ANSWER_BYTES + 1)):
        client(server).call(GET_WEBHOOK)


def test_a_compressed_answer_is_limited_by_its_expanded_size(server):
    bomb = gzip.compress(b"0" * (2 * MAX_ANSWER_BYTES))
    assert len(bomb) < MAX_ANSWER_BYTES // 100

    def answer(conn, srv):
        srv.send(conn, head(len(bomb), b"Content-Encoding: gzip\r\n") + bomb)
    server.answer = answer
    with pytest.raises(GenAuthError, match="larger than %d bytes" % MAX_ANSWER_BYTES):
        client(server, timeout=10).call(GET_WEBHOOK)


@pytest.mark.parametrize("coding, encode", [
    ("gzip", gzip.compress),
    ("gzip", lambda data: gzip.compress(data[:10]) + gzip.compress(data[10:])),  # two members make one stream
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, without the zlib header
    ("identity", lambda data: data),
])
def test_the_codings_asked_for_are_read(server, coding, encode):
    body = encode(OK)
    server.answer = lambda conn, srv: srv.send(conn, head(len(body), b"Content-Encoding: %s\r\n" % coding.encode()) + body)
    with client(server) as api:
        assert api.call(GET_WEBHOOK).data == {"webhookId": "wh1"}


def test_a_coding_not_asked_for_is_a_clear_error(server):
    server.answer = lambda conn, srv: srv.send(conn, head(len(OK), b"Content-Encoding: br\r\n") + OK)
    with pytest.raises(GenAuthError, match="Content-Encoding br, which this client did not ask for"):
        client(server).call(GET_WEBHOOK)
    server.answer = lambda conn, srv: srv.send(conn, head(10, b"Content-Encoding: gzip\r\n") + b"not gzip!!")
    with pytest.raises(GenAuthError, match="broken gzip data"):
        client(server).call(GET_WEBHOOK)


def test_only_the_codings_it_can_inflate_within_the_limit_are_asked_for(server):
    seen = []

    def answer(conn, srv):
        srv.send(conn, head(len(OK)) + OK)
    server.answer = answer
    original = server._handle

    def recording(conn):
        peeked = conn.recv(65536, socket.MSG_PEEK)
        seen.append(peeked)
        original(conn)
    server._handle = recording
    with client(server) as api:
        api.call(GET_WEBHOOK)
    assert b"accept-encoding: gzip, deflate\r\n" in seen[0].lower()


def test_a_forwarding_proxy_is_held_to_the_same_deadline(server, monkeypatch):
    """The environment's proxy (requests honours HTTP_PROXY) goes through the same watched connections."""
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % server.port)
    server.answer = lambda conn, srv: trickle(conn, srv, head(len(OK)) + OK)
    api = GenAuthClient("http://genauth.test", StaticToken(TOKEN), timeout=0.5, retry_policy=RetryPolicy(0))
    with pytest.raises(GenAuthError, match="no answer within 0.5 s"):
        api.call(GET_WEBHOOK)
    assert server.requests == 1 and server.sent < 40


def test_an_unknown_charset_is_read_as_utf_8(server):
    body = json.dumps({"statusCode": 200, "message": "é", "data": {}}).encode("utf-8")
    server.answer = lambda conn, srv: srv.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json; "
                                               b"charset=no-such-codec\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    assert client(server).call(GET_WEBHOOK).message == "é"

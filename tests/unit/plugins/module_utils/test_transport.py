"""One HTTP exchange bounded in time and size (_transport, through the client), against a raw socket server on
loopback: what no mock at the requests level can show (a byte at a time, a compressed answer that expands, a
connection kept alive and then slowed)."""

import gzip
import json
import socketserver
import sys
import threading
import time
import zlib

import pytest

from ansible_collections.genauth.management.plugins.module_utils import _proxy
from ansible_collections.genauth.management.plugins.module_utils._auth import StaticToken
from ansible_collections.genauth.management.plugins.module_utils._client import GenAuthClient
from ansible_collections.genauth.management.plugins.module_utils._envelope import MAX_ANSWER_BYTES
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy
from ansible_collections.genauth.management.plugins.module_utils._webhooks import GET_WEBHOOK, TRIGGER_WEBHOOK

from ansible_collections.genauth.management.tests.unit.helpers import TOKEN

OK = json.dumps({"statusCode": 200, "message": "", "requestId": "r1", "data": {"webhookId": "wh1"}}).encode()


class RawServer(socketserver.ThreadingTCPServer):
    """Answers each request on loopback with ``answer(conn, server)`` (True keeps the connection for another); keeps
    each request's head, and counts the bytes of the answers it managed to send before the client went away."""

    daemon_threads = True

    def __init__(self):
        super(RawServer, self).__init__(("127.0.0.1", 0), _Answering)
        self.port, self.answer, self.sent, self.requests = self.server_address[1], None, 0, []
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def send(self, conn, data):
        conn.sendall(data)
        self.sent += len(data)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):  # a client that hung up is expected; anything else is not
            super(RawServer, self).handle_error(request, client_address)


class _Answering(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(30)
        keep = True
        while keep:
            head = b""
            while b"\r\n\r\n" not in head:
                data = self.request.recv(65536)
                if not data:
                    return
                head += data
            self.server.requests.append(head)
            keep = self.server.answer(self.request, self.server)


@pytest.fixture
def server():
    running = RawServer()
    yield running
    running.shutdown()
    running.server_close()


def client(server, timeout=0.5):
    return GenAuthClient("http://127.0.0.1:%d" % server.port, StaticToken(TOKEN), timeout=timeout,
                         retry_policy=RetryPolicy(0), sleep=lambda seconds: None)


def head(length, *headers):
    """The status line and headers of a 200 JSON answer: ``headers``, then Content-Length ``length``."""
    return b"\r\n".join([b"HTTP/1.1 200 OK", b"Content-Type: application/json"] + list(headers)
                        + [b"Content-Length: %d" % length, b"", b""])


def reply(body, *headers):
    return head(len(body), *headers) + body


def sends(data):
    return lambda conn, srv: srv.send(conn, data)


def trickles(data, first=b"", every=0.2):
    """An answer that sends ``first`` at once, then ``data`` one byte every ``every`` seconds."""
    def answer(conn, srv):
        srv.send(conn, first)
        for index in range(len(data)):
            srv.send(conn, data[index:index + 1])
            time.sleep(every)
    return answer


def test_a_body_sent_a_byte_at_a_time_ends_at_the_timeout(server):
    body = b" " * 200 + OK
    server.answer = trickles(body, first=head(len(body)))
    with pytest.raises(GenAuthError) as info:
        client(server).call(GET_WEBHOOK)
    error = info.value
    assert error.no_answer and "no answer within 0.5 s (timeout)" in error.msg and "last byte" in error.msg
    # The client hung up after about three of the 200 bytes it was promised, not at the end of them.
    assert server.sent < len(head(len(body))) + 50


def test_headers_sent_a_byte_at_a_time_end_at_the_timeout(server):
    server.answer = trickles(reply(OK))
    with pytest.raises(GenAuthError, match=r"trigger-webhook .* no answer within 0.5 s") as info:
        client(server).call(TRIGGER_WEBHOOK, json={"webhookId": "wh1"})
    assert "may have been processed" in info.value.msg and server.sent < 40


def test_a_kept_alive_connection_that_slows_down_is_bounded_too(server):
    def answer(conn, srv):
        if len(srv.requests) == 1:
            srv.send(conn, reply(OK))
            return True
        trickles(reply(OK))(conn, srv)
    server.answer = answer
    with client(server) as api:
        assert api.call(GET_WEBHOOK).data == {"webhookId": "wh1"}
        with pytest.raises(GenAuthError, match="no answer within 0.5 s"):
            api.call(GET_WEBHOOK)
    assert len(server.requests) == 2


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


@pytest.mark.parametrize("answer, error", [
    (head(MAX_ANSWER_BYTES + 1), r"larger than %d bytes, the most this client reads \(it declared %d bytes\)"
     % (MAX_ANSWER_BYTES, MAX_ANSWER_BYTES + 1)),
    (reply(gzip.compress(b"0" * (2 * MAX_ANSWER_BYTES)), b"Content-Encoding: gzip"),
     "larger than %d bytes" % MAX_ANSWER_BYTES),
    (reply(OK, b"Content-Encoding: br"), "Content-Encoding br, which this client did not ask for"),
    (reply(b"not gzip!!", b"Content-Encoding: gzip"), "broken gzip data"),
], ids=["a-declared-length-over-the-limit", "gzip-that-expands-over-the-limit", "a-coding-not-asked-for",
        "broken-gzip"])
def test_an_answer_that_cannot_be_read_within_the_limit_is_a_clear_error(server, answer, error):
    """Refused from what the server declared, or as it is inflated: each of these answers is small."""
    assert len(answer) < MAX_ANSWER_BYTES // 100
    server.answer = sends(answer)
    with pytest.raises(GenAuthError, match=error):
        client(server, timeout=10).call(GET_WEBHOOK)


@pytest.mark.parametrize("coding, encode", [
    (b"gzip", gzip.compress),
    (b"gzip", lambda data: gzip.compress(data[:10]) + gzip.compress(data[10:])),  # two members make one stream
    (b"deflate", zlib.compress),
    (b"deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, without the zlib header
    (b"identity", lambda data: data),
])
def test_the_codings_asked_for_are_read(server, coding, encode):
    """The client asks only for the codings it can inflate within the limit, and reads each."""
    server.answer = sends(reply(encode(OK), b"Content-Encoding: " + coding))
    with client(server) as api:
        assert api.call(GET_WEBHOOK).data == {"webhookId": "wh1"}
    assert b"accept-encoding: gzip, deflate\r\n" in server.requests[0].lower()


def test_a_forwarding_proxy_is_held_to_the_same_deadline(server, monkeypatch):
    """The environment's proxy (requests honours HTTP_PROXY) goes through the same watched connections."""
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % server.port)
    server.answer = trickles(reply(OK))
    api = GenAuthClient("http://genauth.test", StaticToken(TOKEN), timeout=0.5, retry_policy=RetryPolicy(0))
    with pytest.raises(GenAuthError, match="no answer within 0.5 s"):
        api.call(GET_WEBHOOK)
    assert len(server.requests) == 1 and server.sent < 40


def test_an_unknown_charset_is_read_as_utf_8(server):
    body = json.dumps({"statusCode": 200, "message": "é", "data": {}}).encode("utf-8")
    server.answer = sends(reply(body).replace(b"application/json", b"application/json; charset=no-such-codec"))
    assert client(server).call(GET_WEBHOOK).message == "é"


def test_a_proxy_that_hangs_up_on_the_tunnel_is_named_and_the_call_retried(server):
    """Nothing was sent (the CONNECT found no answer), so even a trigger is retried; urllib3 words this as it words a
    server hanging up on a request that the tunnel carried, which is not retried (test_proxy.py)."""
    server.answer = lambda conn, srv: None  # the handler returns: the connection closes without a word
    proxies = _proxy.proxies({"proxy_url": "http://127.0.0.1:%d" % server.port})
    api = GenAuthClient("https://genauth.test", StaticToken(TOKEN), timeout=5, retry_policy=RetryPolicy(1),
                        sleep=lambda seconds: None, proxies=proxies)
    with pytest.raises(GenAuthError) as info:
        api.call(TRIGGER_WEBHOOK, json={"webhookId": "wh1"})
    assert info.value.msg.startswith("The proxy 127.0.0.1:%d (proxy_url) did not open a tunnel to https://genauth.test "
                                     "for trigger-webhook: " % server.port), info.value.msg
    assert "Nothing reached GenAuth" in info.value.msg and info.value.connect_failed
    assert len(server.requests) == 2 and all(head.startswith(b"CONNECT ") for head in server.requests)


@pytest.mark.parametrize("status, retried", [(b"407 Proxy Authentication Required", False), (b"502 Bad Gateway", True)])
def test_a_proxy_that_refuses_the_tunnel_is_named_in_the_failure(server, status, retried):
    """A raw proxy on loopback answering the CONNECT itself: the exception urllib3 really raises becomes the proxy's
    refusal; the proxy got the credentials of its URL, and the message does not show them."""
    server.answer = sends(b"HTTP/1.1 " + status + b"\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
                          b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    api = GenAuthClient("https://genauth.test", StaticToken(TOKEN), timeout=5, retry_policy=RetryPolicy(1),
                        sleep=lambda seconds: None,
                        proxies=_proxy.proxies({"proxy_url": "http://ci:pr0xy%%21@127.0.0.1:%d" % server.port}))
    with pytest.raises(GenAuthError) as info:
        api.call(GET_WEBHOOK)
    said = (server.port, status.decode())
    assert info.value.msg.startswith("The proxy 127.0.0.1:%d (proxy_url) refused to carry the get-webhook call "
                                     "to https://genauth.test: %s. Nothing reached GenAuth." % said)
    assert "pr0xy" not in info.value.msg
    assert len(server.requests) == (2 if retried else 1)
    connect = server.requests[0].decode()
    assert connect.startswith("CONNECT genauth.test:443 HTTP/1.")
    assert "proxy-authorization: basic " in connect.lower()

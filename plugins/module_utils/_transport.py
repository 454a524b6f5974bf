# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""One HTTP exchange with a deadline and a size limit, whatever the server does.

``requests`` bounds the wait for each byte, not the exchange: a server that sends a byte a second keeps a call
alive for as long as it likes. Here every request gets a :class:`Deadline`: a timer that shuts the connection's
socket down when the time is up, from connecting to the last byte of the answer, so the blocked read returns at
once. The answer is read in chunks up to a limit counted after decompression (gzip and deflate are inflated
here, a bounded amount at a time, so a small compressed answer cannot expand into gigabytes).
"""

import codecs
import socket
import threading
import zlib

try:
    from requests.adapters import HTTPAdapter
    from requests.utils import get_encoding_from_headers
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
except ImportError:  # _client reports the missing library; nothing here is used without it
    HTTPAdapter = HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = object
    get_encoding_from_headers = None

# What is read from the socket at a time.
CHUNK_BYTES = 64 * 1024
# The content codings this client asks for, and so the only ones it accepts.
ACCEPT_ENCODING = "gzip, deflate"

_current = threading.local()


class AnswerTooLarge(Exception):
    """The answer is larger than the limit (``size`` is what the server declared, when it declared it)."""

    def __init__(self, limit, declared=None):
        super(AnswerTooLarge, self).__init__(limit)
        self.limit = limit
        self.declared = declared


class UnreadableEncoding(Exception):
    """The answer is compressed in a way this client did not ask for, or its compressed data is broken."""


class Deadline(object):
    """The time one request may take, from connecting to the last byte of the answer.

    Used as a context manager around the request and the reading of its answer: the sockets the request uses
    (see ``_WatchedConnection``) are shut down when ``seconds`` have passed, which ends any read or write
    blocked on them. ``expired`` then tells the caller why the exchange failed.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = None

    def __enter__(self):
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()
        _current.deadline = self
        return self

    def __exit__(self, *exc_info):
        _current.deadline = None
        self._timer.cancel()
        with self._lock:
            self._sockets = []

    def watch(self, sock):
        """Shut ``sock`` down when the time is up (at once if it is up already)."""
        if sock is None:
            return
        with self._lock:
            if not self.expired:
                self._sockets.append(sock)
                return
        _shut_down(sock)

    def _expire(self):
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut_down(sock)


def _shut_down(sock):
    try:
        # socket.socket's own method on an ssl.SSLSocket too: it ends the TCP connection under the TLS layer
        # without touching the TLS state that the blocked thread is using.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, TypeError, ValueError):
        pass  # already closed


def _watch(sock):
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedConnection(object):
    """Mixed into urllib3's connections: every socket a request uses is handed to the current Deadline, a new
    one as soon as it exists (so a slow TLS handshake is bounded too), a kept-alive one when it is reused."""

    def _new_conn(self):
        sock = super(_WatchedConnection, self)._new_conn()
        _watch(sock)
        return sock

    def request(self, *args, **kwargs):
        _watch(getattr(self, "sock", None))
        return super(_WatchedConnection, self).request(*args, **kwargs)

    def getresponse(self, *args, **kwargs):
        _watch(getattr(self, "sock", None))
        return super(_WatchedConnection, self).getresponse(*args, **kwargs)


class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _watch_pools(manager):
    # An attribute of this manager only: urllib3's module-wide table is left as it is.
    manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
    return manager


class WatchedAdapter(HTTPAdapter):
    """A ``requests`` transport adapter whose connections obey the current :class:`Deadline`, direct or
    through a proxy."""

    def init_poolmanager(self, *args, **kwargs):
        super(WatchedAdapter, self).init_poolmanager(*args, **kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        return _watch_pools(super(WatchedAdapter, self).proxy_manager_for(proxy, **proxy_kwargs))


def _inflater(coding):
    """A zlib decompressor for a Content-Encoding, None for none; raises UnreadableEncoding for any other."""
    coding = (coding or "").strip().lower()
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    raise UnreadableEncoding("Content-Encoding %s, which this client did not ask for (it accepts %s)"
                             % (coding[:40], ACCEPT_ENCODING))


class _Inflate(object):
    """Decompress a stream, never producing more than the room left under the limit."""

    def __init__(self, coding):
        self._coding = (coding or "").strip().lower()
        self._decoder = _inflater(coding)
        self._raw_deflate = False

    def feed(self, data, room):
        """The decompressed bytes of ``data``; more than ``room`` only when the answer exceeds the limit."""
        if self._decoder is None:
            return data
        out = b""
        while data and len(out) <= room:
            try:
                chunk = self._decoder.decompress(data, room + 1 - len(out))
            except zlib.error as exc:
                if self._coding == "deflate" and not self._raw_deflate and not out:
                    # Some servers send raw deflate without the zlib header that the standard asks for.
                    self._raw_deflate, self._decoder = True, zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise UnreadableEncoding("broken %s data (%s)" % (self._coding, exc))
            out += chunk
            data = self._decoder.unconsumed_tail
            if self._decoder.eof:
                rest = self._decoder.unused_data
                if not rest.strip(b"\x00"):
                    break
                # Several gzip members one after the other make one stream.
                self._decoder, data = _inflater(self._coding), rest
        return out


def read_answer(response, limit):
    """The body of a ``requests`` response made with ``stream=True``, as text, at most ``limit`` bytes after
    decompression. Raises AnswerTooLarge, UnreadableEncoding, or what the socket raises (the Deadline ends
    a slow answer by shutting its socket down)."""
    declared = response.headers.get("Content-Length")
    coding = response.headers.get("Content-Encoding")
    if declared and declared.strip().isdigit() and not coding and int(declared) > limit:
        raise AnswerTooLarge(limit, int(declared))
    inflate = _Inflate(coding)
    parts, size, raw_size = [], 0, 0
    while True:
        data = response.raw.read(CHUNK_BYTES, decode_content=False)
        if not data:
            break
        raw_size += len(data)
        data = inflate.feed(data, limit - size)
        size += len(data)
        if size > limit or raw_size > limit:
            raise AnswerTooLarge(limit)
        parts.append(data)
    return decode_text(b"".join(parts), response.headers)


def decode_text(body, headers):
    """Bytes as text, in the charset the headers declare (UTF-8 otherwise, which JSON is), never failing."""
    encoding = (get_encoding_from_headers(headers) if get_encoding_from_headers else None) or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    return body.decode(encoding, "replace")

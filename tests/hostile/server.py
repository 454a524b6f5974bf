"""A hostile fake of the GenAuth Management API V3, run in the pytest process.

The emulator (``tests/emulator/``) is faithful, and is kept so: this server answers instead what a broken,
compromised or malicious server (or anything that can sit at ``host``) could send, one scenario kind per
``_kind_<kind>`` method of :class:`HostileServer`. By default it is a plain, correct API of the calls the modules make
here (writes are only counted: the tests assert there are none), so that a test turns on one hostile thing at a time.
It writes every byte of its answers to the socket itself, and sees when the client hangs up.

Each access key id is a *tenant* (``HostileServer.tenant``), with its own webhooks, scenarios and counters, so one
playbook run holds many independent cases (the key secret is the same for every tenant; later calls are tied to a
tenant by its token). ``tests/integration/test_hostile.py`` shows the use.
"""

import base64
import collections
import functools
import http.server
import itertools
import json
import re
import secrets
import select
import string
import sys
import threading
import time
import zlib
from urllib.parse import parse_qs, quote, urlsplit

API_PREFIX = "/api/v3/"
DEFAULT_KEY_ID = "hostile-default"
# The largest page list-webhooks returns, as GenAuth documents it.
PAGE_LIMIT_MAX = 50
# Sent as totalCount's value to leave the field out.
ABSENT = object()
LOOPBACK_NO_PROXY = "127.0.0.1,localhost,::1"
EVENT_LIST = {"categories": [{"name": "Test", "nameEn": "Test", "value": "test"}],
              "events": [{"name": "Test", "nameEn": "Test", "value": "test", "category": "test"}]}
READ_TIMEOUT = 10.0
JSON = (("Content-Type", "application/json"),)
HTML = (("Content-Type", "text/html; charset=utf-8"),)


def make_secret(length=43, seed_chars="+/"):
    """A random secret of ``length`` characters in base64's alphabet, with ``seed_chars`` spread in it, so that its
    URL-encoded form differs from it (``+`` and ``/`` are percent-encoded, unlike ``-`` and ``_``)."""
    chars = [secrets.choice(string.ascii_letters + string.digits) for dummy in range(length)]
    for number, char in enumerate(seed_chars):
        chars[(number + 1) * length // (len(seed_chars) + 1)] = char
    return "".join(chars)


def jwt(claims):
    """A JWT-shaped token (the signature is random: only this server reads it). The header starts with a random
    ``kid``, so that no two tokens share a 12-character piece by chance of a common header."""
    header = {"kid": secrets.token_hex(8), "alg": "HS256", "typ": "JWT"}
    parts = [json.dumps(value, separators=(",", ":")).encode() for value in (header, claims)]
    return ".".join(base64.urlsafe_b64encode(part).rstrip(b"=").decode("ascii")
                    for part in parts + [secrets.token_bytes(32)])


def envelope(data=None, status_code=200, message="", **extra):
    body = dict({"statusCode": status_code, "message": message, "requestId": secrets.token_hex(8)}, **extra)
    if status_code == 200:
        body["data"] = data
    return json.dumps(body).encode("utf-8")


def webhook_object(webhook_id, secret):
    """A webhook as GenAuth returns it."""
    return {"webhookId": webhook_id, "name": webhook_id, "url": "https://hooks.example.test/" + webhook_id,
            "contentType": "application/json", "enabled": True, "events": ["test"], "secret": secret,
            "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z"}


# ---------------------------------------------------------------------------------------------------- answers

class Answer(object):
    """One HTTP answer, sent whole; the connection is closed after every answer."""

    def __init__(self, status=200, body=b"", headers=JSON):
        self.status, self.body, self.headers = status, body, list(headers)

    def head(self, length):
        """The status line and headers, with no Content-Length when ``length`` is None."""
        lines = ["HTTP/1.1 %d %s" % (self.status, http.HTTPStatus(self.status).phrase)]
        lines += ["%s: %s" % pair for pair in self.headers]
        if length is not None:
            lines.append("Content-Length: %d" % length)
        return "\r\n".join(lines + ["Connection: close", "", ""]).encode("latin-1")

    def send(self, sock):
        sock.sendall(self.head(len(self.body)) + self.body)


def _peer_closed(sock, timeout):
    """Wait up to ``timeout`` seconds; True as soon as the client has closed (or reset) its end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:  # bytes the client should not send are read and ignored
            if select.select([sock], [], [], max(0.0, deadline - time.monotonic()))[0] and not sock.recv(4096):
                return True
        except (OSError, ValueError):
            return True
    return False


class Trickle(Answer):
    """``answer`` sent one byte every ``delay`` seconds, the headers too (``phase`` "headers") or only the body. It
    gives up after ``patience`` bytes, so a client that never hangs up costs a bounded time; ``record`` gets the
    ``size`` trickled, the bytes ``sent``, and whether the client closed its end."""

    def __init__(self, answer, record, phase, delay, patience):
        super(Trickle, self).__init__(answer.status, answer.body)
        self.record, self.phase, self.delay, self.patience = record, phase, delay, patience

    def send(self, sock):
        head = self.head(len(self.body))
        data = self.body if self.phase == "body" else head + self.body
        self.record["size"] = len(data)
        try:
            if self.phase == "body":
                sock.sendall(head)
            for index in range(min(len(data), self.patience)):
                sock.send(data[index:index + 1])
                self.record["sent"] = index + 1
                if _peer_closed(sock, self.delay):
                    self.record["client_closed"] = True
                    return
        except OSError:
            self.record["client_closed"] = True


class Stream(Answer):
    """``prefix``, then ``size`` spaces made chunk by chunk as they are sent (never held whole), then ``suffix``: with
    its Content-Length or, ``chunked``, of a length that only reading tells. ``record`` gets the bytes ``sent`` of
    ``total``, and whether the client stopped reading."""

    CHUNK = 1 << 20

    def __init__(self, prefix, size, suffix, record, chunked):
        super(Stream, self).__init__(headers=JSON + (("Transfer-Encoding", "chunked"),) if chunked else JSON)
        self.prefix, self.size, self.suffix, self.record, self.chunked = prefix, size, suffix, record, chunked

    def send(self, sock):
        total = len(self.prefix) + self.size + len(self.suffix)
        self.record.update(total=total, sent=0)
        block = b" " * self.CHUNK
        filler = (block[:self.size - start] for start in range(0, self.size, self.CHUNK))
        try:
            sock.sendall(self.head(None if self.chunked else total))
            for chunk in itertools.chain([self.prefix], filler, [self.suffix]):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if self.chunked else chunk)
                self.record["sent"] += len(chunk)
            if self.chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            self.record["client_stopped"] = True


# ---------------------------------------------------------------------------------------------------- state

class Tenant(object):
    """What one access key id sees: its webhooks, its scenarios, and what the server observed of its calls."""

    def __init__(self, server, key_id):
        self.server, self.key_id = server, key_id
        self.webhooks, self.logs, self.scenarios = {}, {}, []
        # The calls made to each endpoint; the requests, and the payloads of trigger-webhook.
        self.counts, self.requests, self.deliveries = collections.Counter(), [], []
        self.trickles, self.streams = [], []
        # list-webhooks leaves the secret field out (get-webhook still returns it).
        self.list_hides_secret = False
        # data.response of every trigger-webhook.
        self.trigger_response = {"received": True}

    def add_webhook(self, webhook_id, **fields):
        """A webhook of this tenant, with the server's webhook secret unless ``secret`` is given."""
        self.webhooks[webhook_id] = dict(webhook_object(webhook_id, self.server.webhook_secret), **fields)

    def scenario(self, kind, endpoint, **options):
        """Answer ``endpoint`` as ``HostileServer._kind_<kind>(call, **options)`` does (the first one given wins)."""
        self.scenarios.append((kind, endpoint, options))

    def _scenario(self, endpoint):
        return next(((kind, options) for kind, wanted, options in self.scenarios if wanted == endpoint),
                    ("normal", {}))


class _Handler(http.server.BaseHTTPRequestHandler):
    """Parses a request (``http.server``'s parser) and has the server answer it."""

    timeout = READ_TIMEOUT

    def handle(self):
        hostile = self.server.hostile
        with hostile.lock:
            hostile.active += 1
        try:
            super(_Handler, self).handle()
        finally:
            with hostile.lock:
                hostile.active -= 1
                hostile.idle.notify_all()

    def do_GET(self):
        text = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = None
        parts = urlsplit(self.path)
        request = {"method": self.command, "path": parts.path, "target": self.path, "body": text, "json": payload,
                   "headers": dict((name.lower(), value) for name, value in self.headers.items()),
                   "query": dict((key, values[0]) for key, values in parse_qs(parts.query).items())}
        self.server.hostile.answer(request).send(self.connection)

    do_POST = do_GET

    def log_message(self, *args):
        pass


class _HTTPServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):  # a client that hangs up is not news; a bug here is
            super(_HTTPServer, self).handle_error(request, client_address)


# The call being answered; ``webhook_id`` is None unless the request names one as a string.
Call = collections.namedtuple("Call", "tenant endpoint request payload webhook_id token")


def _paging(call):
    source = call.request["query"] if call.request["method"] == "GET" else call.payload
    return max(1, int(source.get("page") or 1)), min(PAGE_LIMIT_MAX, max(1, int(source.get("limit") or 10)))


def _paged(call, items):
    page, limit = _paging(call)
    return {"totalCount": len(items), "list": items[(page - 1) * limit:page * limit]}


def _not_found(call):
    return envelope(status_code=404, message="webhook %s not found" % call.webhook_id, apiCode=2004)


# ---------------------------------------------------------------------------------------------------- the server

class HostileServer(object):
    """The hostile API on 127.0.0.1 (an ephemeral port), serving each connection on its own thread."""

    def __init__(self):
        self.key_secret, self.webhook_secret = make_secret(43), make_secret(32)
        # Other values a test may place in answers, which must never show either.
        self.extra_secrets = {"old_webhook_secret": make_secret(32), "subscriber_token": "sub-" + make_secret(40, "-_")}
        self.issued_tokens = []
        self.unrouted = []  # requests outside the API (such as to a redirect's target), or with an unknown token
        self.lock = threading.RLock()
        self.idle = threading.Condition(self.lock)
        self.active = 0
        self._tenants, self._token_tenants = {}, {}
        self._server = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._server.hostile = self
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="hostile-genauth",
                         daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()

    def wait_idle(self, timeout=10.0):
        """Wait until no connection is being answered (a trickle notices a client gone within its delay)."""
        with self.lock:
            self.idle.wait_for(lambda: not self.active, timeout)

    def env(self):
        """Environment variables pointing a module, the role or the callback at this server (default tenant)."""
        return {"GENAUTH_HOST": self.url, "GENAUTH_ACCESS_KEY_ID": DEFAULT_KEY_ID,
                "GENAUTH_ACCESS_KEY_SECRET": self.key_secret, "NO_PROXY": LOOPBACK_NO_PROXY,
                "no_proxy": LOOPBACK_NO_PROXY}

    def tenant(self, key_id):
        """The tenant of access key id ``key_id``, made on first use."""
        with self.lock:
            return self._tenants.setdefault(key_id, Tenant(self, key_id))

    def secrets(self):
        """label -> value of everything that must never show: the key and webhook secrets, the extra secrets, and
        every token issued."""
        with self.lock:
            found = {"access_key_secret": self.key_secret, "webhook_secret": self.webhook_secret}
            found.update(self.extra_secrets)
            found.update(("token#%d" % number, token) for number, token in enumerate(self.issued_tokens))
            return found

    def request_leaks(self):
        """Secrets sent out of their place: the access key secret anywhere but the token request's body, a token
        anywhere but the Authorization header, the webhook secrets anywhere at all."""
        with self.lock:
            logged = [(tenant.key_id, entry) for tenant in self._tenants.values() for entry in tenant.requests]
        found = []
        for key_id, entry in logged:
            body = entry["body"]
            if entry["path"].endswith("/get-management-token"):
                body = body.replace(json.dumps(self.key_secret), '"<the access key secret>"', 1)
            headers = dict((name, value) for name, value in entry["headers"].items() if name != "authorization")
            places = {"path": entry["target"], "headers": json.dumps(headers), "body": body}
            for label, secret in self.secrets().items():
                for where, text in places.items():
                    if secret in text or quote(secret, safe="") in text:
                        found.append("%s in the %s of a %s %s of tenant %s"
                                     % (label, where, entry["method"], entry["path"], key_id))
        return found

    # answering -----------------------------------------------------------------------------------

    def answer(self, request):
        payload = request["json"] if isinstance(request["json"], dict) else {}
        endpoint = request["path"][len(API_PREFIX):] if request["path"].startswith(API_PREFIX) else None
        token = None
        if endpoint == "get-management-token":
            key_id = payload.get("accessKeyId")
            if not isinstance(key_id, str) or not key_id:
                return Answer(body=envelope(status_code=400, message="accessKeyId is required", apiCode=2000))
            tenant = self.tenant(key_id)
        else:
            auth = request["headers"].get("authorization", "")
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
            with self.lock:
                tenant = self._token_tenants.get(token)
                if endpoint is None or tenant is None:
                    self.unrouted.append(request)
            if endpoint is None:
                return Answer(404, b"<html><body>Not found</body></html>", HTML)
            if tenant is None:
                return Answer(body=envelope(status_code=401, message="invalid token", apiCode=2020))
        webhook_id = request["query"].get("webhookId") if request["method"] == "GET" else payload.get("webhookId")
        call = Call(tenant, endpoint, request, payload, webhook_id if isinstance(webhook_id, str) else None, token)
        with self.lock:
            tenant.counts[endpoint] += 1
            tenant.requests.append(request)
            kind, options = tenant._scenario(endpoint)
        return getattr(self, "_kind_" + kind)(call, **options)

    # the API as it should be ------------------------------------------------------------------------

    def _kind_normal(self, call):
        handler = getattr(self, "_api_" + call.endpoint.replace("-", "_"), None)
        return Answer(body=handler(call)) if handler else Answer(404, b"<html><body>Not found</body></html>", HTML)

    def _api_get_management_token(self, call):
        if call.payload.get("accessKeySecret") != self.key_secret:
            return envelope(status_code=401, message="accessKeyId or accessKeySecret is wrong", apiCode=2333)
        now = int(time.time())
        token = jwt({"scoped_userpool_id": call.tenant.key_id, "iat": now, "exp": now + 7200,
                     "jti": secrets.token_hex(6)})
        with self.lock:
            self.issued_tokens.append(token)
            self._token_tenants[token] = call.tenant
        return envelope({"access_token": token, "expires_in": 7200})

    def _api_get_webhook(self, call):
        webhook = call.tenant.webhooks.get(call.webhook_id)
        return envelope(webhook) if webhook else _not_found(call)

    def _api_list_webhooks(self, call):
        hidden = ("secret",) if call.tenant.list_hides_secret else ()
        webhooks = [dict((key, value) for key, value in webhook.items() if key not in hidden)
                    for webhook in call.tenant.webhooks.values()]
        return envelope(_paged(call, webhooks))

    def _api_trigger_webhook(self, call):
        if call.webhook_id not in call.tenant.webhooks:
            return _not_found(call)
        with self.lock:
            call.tenant.deliveries.append(call.payload)
        return envelope({"response": call.tenant.trigger_response})

    def _api_get_webhook_logs(self, call):
        if call.webhook_id not in call.tenant.webhooks:
            return _not_found(call)
        return envelope(_paged(call, call.tenant.logs.get(call.webhook_id, [])))

    def _api_get_webhook_event_list(self, call):
        return envelope(EVENT_LIST)

    # hostile kinds -------------------------------------------------------------------------------

    def _trickle(self, call, phase, delay, patience, size=200):
        """The normal answer padded to ``size`` bytes and trickled (see :class:`Trickle`): the status line and
        headers too (``trickle_headers``) or only the body (``trickle_body``). Recorded in ``Tenant.trickles``."""
        record = dict(endpoint=call.endpoint, sent=0, client_closed=False)
        call.tenant.trickles.append(record)
        normal = self._kind_normal(call)
        normal.body = normal.body.ljust(size)
        return Trickle(normal, record, phase, delay, patience)

    _kind_trickle_headers = functools.partialmethod(_trickle, phase="headers")
    _kind_trickle_body = functools.partialmethod(_trickle, phase="body")

    def _kind_stream(self, call, size, chunked=False):
        """The normal answer with ``size`` spaces after its opening brace (see :class:`Stream`): valid JSON of a small
        value, so that a client that reads it whole still returns a small result, and only its memory shows what
        it did. Recorded in ``Tenant.streams``."""
        body, record = self._kind_normal(call).body, dict(endpoint=call.endpoint, client_stopped=False)
        call.tenant.streams.append(record)
        return Stream(body[:1], size, body[1:], record, chunked)

    def _kind_gzip(self, call, size):
        """The normal answer with ``size`` spaces after its opening brace, as gzip: a few hundred KB for 300 MB."""
        body, block = self._kind_normal(call).body, b" " * (1 << 20)
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        parts = [body[:1]] + [block] * (size // len(block)) + [body[1:]]
        return Answer(body=b"".join(map(compressor.compress, parts)) + compressor.flush(),
                      headers=JSON + (("Content-Encoding", "gzip"),))

    def _kind_html(self, call, secret, at):
        """An HTML page with HTTP 500, with the key secret (``secret="key_secret"``) or the call's token starting at
        character ``at``."""
        value = self.key_secret if secret == "key_secret" else call.token or ""
        head = "<html><head><title>500 Internal Server Error</title></head><body><h1>Gateway error</h1><p>"
        page = head.ljust(at, "x") + value + "</p><p>request echoed for debugging</p></body></html>"
        return Answer(500, page.encode("utf-8"), HTML)

    def _kind_redirect(self, call, location):
        """HTTP 302 to ``location``, a template of ``{url}``, ``{token}`` and ``{key_secret_quoted}``."""
        target = location.format(url=self.url, token=call.token or "",
                                 key_secret_quoted=quote(self.key_secret, safe=""))
        return Answer(302, headers=[("Location", target)])

    def _kind_envelope(self, call, message, status_code=403):
        """An error envelope (in HTTP 200) with ``status_code`` and ``message``."""
        return Answer(body=envelope(status_code=status_code, message=message))

    def _kind_data(self, call, data):
        """A successful envelope whose ``data`` is ``data``, whatever its shape."""
        return Answer(body=envelope(data))

    def _kind_deep(self, call, depth, shape="list"):
        """JSON nested ``depth`` levels of lists (or of objects, ``shape="dict"``): in the webhook (get-webhook), in a
        listed webhook (list-webhooks), or as ``data.response`` (trigger-webhook, which still delivers)."""
        nest = "[" * depth + "]" * depth if shape == "list" else '{"a": ' * depth + "0" + "}" * depth
        if call.endpoint == "trigger-webhook":
            self._kind_normal(call)
            data = '{"response": %s}' % nest
        elif call.endpoint == "list-webhooks":
            data = '{"totalCount": 1, "list": [{"webhookId": "deep", "name": "deep", "nest": %s}]}' % nest
        else:
            data = '{"webhookId": %s, "name": "deep", "nest": %s}' % (json.dumps(call.webhook_id), nest)
        return Answer(body=('{"statusCode": 200, "message": "", "requestId": "deep", "data": %s}' % data).encode())

    def _kind_pages(self, call, mode="endless", total=ABSENT, pages=300):
        """list-webhooks: ``endless`` (``pages`` full pages of different webhooks, then empty ones), ``repeat`` (the
        same full page whatever ``page`` says) or ``moving`` (page 2 starts again with hook-49, the end of page 1: a
        webhook before it was deleted between the two calls); ``total`` as totalCount, left out when :data:`ABSENT`."""
        page, limit = _paging(call)
        if mode == "endless":
            numbers = range((page - 1) * limit, page * limit) if page <= pages else ()
        elif mode == "repeat":
            numbers = range(limit)
        elif mode == "moving":  # 51 webhooks when page 1 is read; one of the first 50 is deleted before page 2 is
            numbers = range(50) if page == 1 else [49] if page == 2 else []
            total = 51 if page == 1 else 50
        else:
            raise ValueError(mode)
        data = {"list": [dict(webhook_object("wh%04d" % number, self.webhook_secret), name="hook-%d" % number,
                              url="https://hooks.example.test/hook-%d" % number) for number in numbers]}
        if total is not ABSENT:
            data["totalCount"] = total
        return Answer(body=envelope(data))


# ---------------------------------------------------------------------------------------------------- the scan

# A secret counts as shown when any piece this long of it shows: masking that misses part of a secret (a cut, an
# encoding) still shows the rest of it.
WINDOW = 12
# What cannot be inside a secret of this server (base64 and JWT characters, + / = . - _): the text between two of
# these is where a piece of a secret would be.
_DELIMITERS = re.compile(r"[\s\"'<>,;:{}\[\]()\\|`!?&#*^~$@]+")


def find_leaks(secrets_by_label, texts, window=WINDOW):
    """Where a secret shows in ``texts`` (where -> text), as "<label> (<how>) in <where>", never the secret itself:
    whole, URL-encoded (``quote(secret, safe="")``), or as any piece of ``window`` characters. The pieces are looked
    up in a table, over the distinct runs of text between characters no secret holds, so megabytes scan fast."""
    pieces, shared = {}, set()
    for label, secret in secrets_by_label.items():
        for offset in range(max(1, len(secret) - window + 1)):
            piece = secret[offset:offset + window]
            if piece in pieces and pieces[piece][0] != label:
                shared.add(piece)
            pieces.setdefault(piece, (label, offset))
    # A piece that two secrets share is their common structure (the start of a JWT header), not either secret.
    for piece in shared:
        del pieces[piece]
    found = []
    for where, text in texts.items():
        text, seen = text or "", set()
        for label, secret in secrets_by_label.items():
            encoded = quote(secret, safe="")
            how = "whole" if secret in text else "URL-encoded" if encoded != secret and encoded in text else None
            if how:
                seen.add(label)
                found.append("%s (%s) in the %s" % (label, how, where))
        for run in set(_DELIMITERS.split(text)):
            for start in range(len(run) - window + 1):
                label, offset = pieces.get(run[start:start + window], (None, 0))
                if label and label not in seen:
                    seen.add(label)
                    found.append("%s (its characters %d to %d) in the %s" % (label, offset, offset + window - 1, where))
    return found

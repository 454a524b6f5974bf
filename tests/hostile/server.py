"""A hostile fake of the GenAuth Management API V3, run in the pytest process.

The emulator (``tests/emulator/genauth_emulator.py``) is faithful: it behaves like GenAuth, its faults are the ones
GenAuth and its gateways really show, and the SDK fidelity tests hold it to that. This server is the opposite and is
kept apart so that the emulator stays a model worth trusting: it answers what a broken, compromised or malicious
server (or anything that can sit at ``host``) could send. Answers that trickle one byte at a time, that never end,
that expand from a few hundred kilobytes of gzip to hundreds of megabytes; pages that never end, repeat, or move
under the reader; JSON nested thousands of levels deep; fields of the wrong type; secrets placed where masking is
weakest (across the cut of a quoted error page, URL-encoded in a redirect, as a JSON key); terminal control
sequences in messages. Its default behaviour is a plain, correct API, so that a test turns on one hostile thing at
a time.

It is written on raw sockets (``socketserver``), so it controls every byte and sees when the client hangs up. Each
access key id is a *tenant*, with its own webhooks, scenarios and counters: one playbook run can hold many
independent cases, each task naming its tenant with ``access_key_id`` (the secret is the same for every tenant).
Every later call is tied to its tenant by the token the tenant was issued.

Python API::

    with HostileServer() as server:
        env = server.env()                      # GENAUTH_HOST, GENAUTH_ACCESS_KEY_ID, GENAUTH_ACCESS_KEY_SECRET
        server.scenario("trickle_body", endpoint="get-webhook")            # on the default tenant
        tenant = server.tenant("paging")                                   # another access key id
        tenant.add_webhook("wh1", name="deploy")
        tenant.scenario("pages", endpoint="list-webhooks", mode="endless", total=None)
        ...                                                                # run ansible-playbook
        server.wait_idle()
        tenant.calls("list-webhooks"), tenant.trickles, tenant.streams

Scenario kinds (``Tenant.scenario(kind, endpoint, webhook_id=None, times=None, **options)``; ``webhook_id`` limits
one to calls about that webhook, ``times`` to its first calls):

- ``trickle_headers`` / ``trickle_body``: the normal answer, padded to ``size`` bytes, sent one byte every ``delay``
  seconds: the status line and headers too, or only the body after headers sent at once. The server gives up after
  ``patience`` bytes if the client is still reading (and closes), so a client that never gives up costs a bounded
  time. Each is recorded in ``Tenant.trickles``: bytes ``sent``, ``client_closed``, ``outlasted``.
- ``stream``: the normal answer with ``size`` spaces after its opening brace (valid JSON, so a client that reads it
  whole still gets a small value), generated as it is sent (never held in memory), with its Content-Length or, with
  ``chunked``, in chunks of unannounced total; recorded in ``Tenant.streams`` (bytes ``sent`` of ``total``, ``client_stopped``).
- ``gzip``: the prepared bytes of file ``path`` sent with ``Content-Encoding: gzip``.
- ``html``: an HTML page with HTTP ``status``, with a secret (``secret``: ``key_secret`` or ``token``) starting at
  character ``at``.
- ``redirect``: HTTP ``status`` with ``location``, a template of ``{url}``, ``{token}``, ``{key_secret}`` and
  ``{key_secret_quoted}``.
- ``envelope``: an error envelope (HTTP 200) with ``status_code``, ``message``, ``api_code``.
- ``data``: a successful envelope whose ``data`` is ``data``, as given.
- ``deep``: JSON nested ``depth`` levels: in the webhook (get-webhook), in a listed webhook (list-webhooks), or as
  ``data.response`` (trigger-webhook, ``shape`` ``dict`` or ``list``); a trigger still counts as delivered.
- ``pages`` (list-webhooks): ``mode`` ``endless`` (``pages`` full pages of different webhooks, ``limit`` from the
  query, then empty ones; ``total`` is sent as ``totalCount``, left out when it is :data:`ABSENT`), ``repeat``
  (the same full page whatever ``page`` says) or ``moving`` (page 1 ends with hook-49/wh0049, page 2 starts with it
  again: a webhook before it was deleted between the two calls).
"""

from __future__ import annotations

import base64
import http
import json
import re
import secrets
import select
import socketserver
import string
import threading
import time
from urllib.parse import parse_qs, quote, urlsplit

API_PREFIX = "/api/v3/"
DEFAULT_KEY_ID = "hostile-default"
# The largest page list-webhooks returns, as GenAuth documents it.
PAGE_LIMIT_MAX = 50
# Sent as totalCount's value to leave the field out.
ABSENT = object()
LOOPBACK_NO_PROXY = "127.0.0.1,localhost,::1"
EVENT_LIST = {
    "categories": [{"name": "Test", "nameEn": "Test", "value": "test"}, {"name": "User", "nameEn": "User", "value": "user"}],
    "events": [{"name": "Test", "nameEn": "Test", "value": "test", "category": "test"},
               {"name": "Login", "nameEn": "Login", "value": "login", "category": "user"},
               {"name": "User created", "nameEn": "User created", "value": "user:created", "category": "user"}],
}
READ_TIMEOUT = 10.0
MAX_REQUEST_BYTES = 4 << 20


def make_secret(length=43, seed_chars="+/"):
    """A random secret of ``length`` characters in base64's alphabet, with ``seed_chars`` spread in it, so that its
    URL-encoded form differs from it (``+`` and ``/`` are percent-encoded, unlike ``-`` and ``_``)."""
    alphabet = string.ascii_letters + string.digits
    chars = [secrets.choice(alphabet) for dummy in range(length)]
    for number, char in enumerate(seed_chars):
        chars[(number + 1) * length // (len(seed_chars) + 1)] = char
    return "".join(chars)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt(claims):
    """A JWT-shaped token (the signature is random: only this server reads it). The header starts with a random
    ``kid``, so that no two tokens share a 12-character piece by chance of a common header."""
    header = {"kid": secrets.token_hex(8), "alg": "HS256", "typ": "JWT"}
    return ".".join((_b64(json.dumps(header, separators=(",", ":")).encode()),
                     _b64(json.dumps(claims, separators=(",", ":")).encode()),
                     _b64(secrets.token_bytes(32))))


def envelope(data=None, status_code=200, message="", request_id=None, **extra):
    body = {"statusCode": status_code, "message": message, "requestId": request_id or secrets.token_hex(8)}
    if status_code == 200:
        body["data"] = data
    body.update(extra)
    return json.dumps(body).encode("utf-8")


# ---------------------------------------------------------------------------------------------------- answers

class Answer(object):
    """One HTTP answer, sent whole; the connection is closed after every answer."""

    def __init__(self, status=200, body=b"", content_type="application/json", headers=()):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers)

    def head(self, length):
        try:
            reason = http.HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = ["HTTP/1.1 %d %s" % (self.status, reason)]
        if self.content_type:
            lines.append("Content-Type: %s" % self.content_type)
        lines += ["%s: %s" % pair for pair in self.headers]
        lines += ["Content-Length: %d" % length, "Connection: close", "", ""]
        return "\r\n".join(lines).encode("latin-1")

    def send(self, sock):
        try:
            sock.sendall(self.head(len(self.body)) + self.body)
        except OSError:
            pass


def _peer_closed(sock, timeout):
    """Wait up to ``timeout`` seconds; True as soon as the client has closed (or reset) its end."""
    deadline = time.monotonic() + timeout
    while True:
        left = max(0.0, deadline - time.monotonic())
        try:
            readable, dummy, dummy = select.select([sock], [], [], left)
        except (OSError, ValueError):
            return True
        if readable:
            try:
                data = sock.recv(4096)
            except OSError:
                return True
            if not data:
                return True
            # The client sent more bytes (it should not); read them and go on waiting.
        if time.monotonic() >= deadline:
            return False


class Trickle(Answer):
    """The answer sent one byte every ``delay`` seconds, the headers too (``phase`` headers) or only the body."""

    def __init__(self, status, body, record, phase, delay, patience, headers=()):
        super(Trickle, self).__init__(status, body, headers=headers)
        self.record = record
        self.phase = phase
        self.delay = delay
        self.patience = patience

    def send(self, sock):
        head = self.head(len(self.body))
        data = head + self.body
        if self.phase == "body":
            try:
                sock.sendall(head)
            except OSError:
                self.record.update(client_closed=True, done=True)
                return
            data = self.body
        self.record["size"] = len(data)
        sent = 0
        for index in range(len(data)):
            if sent >= self.patience:
                self.record["outlasted"] = True
                break
            try:
                sock.send(data[index:index + 1])
            except OSError:
                self.record["client_closed"] = True
                break
            sent += 1
            self.record["sent"] = sent
            if _peer_closed(sock, self.delay):
                self.record["client_closed"] = True
                break
        self.record["done"] = True


class Stream(Answer):
    """``prefix``, then ``size`` filler bytes generated chunk by chunk (never held whole), then ``suffix``, with the
    exact Content-Length; stops when the client stops reading."""

    CHUNK = 1 << 20

    def __init__(self, prefix, size, suffix, record, filler=b" ", chunked=False):
        super(Stream, self).__init__(200, b"")
        self.prefix, self.size, self.suffix, self.record, self.filler = prefix, size, suffix, record, filler
        self.chunked = chunked
        if chunked:  # no Content-Length: only reading tells how large the answer is
            self.headers.append(("Transfer-Encoding", "chunked"))

    def head(self, length):
        head = super(Stream, self).head(length)
        if self.chunked:
            head = head.replace(b"Content-Length: %d\r\n" % length, b"")
        return head

    def chunks(self):
        yield self.prefix
        block = self.filler * self.CHUNK
        left = self.size
        while left > 0:
            yield block if left >= self.CHUNK else block[:left]
            left -= self.CHUNK
        yield self.suffix

    def send(self, sock):
        total = len(self.prefix) + self.size + len(self.suffix)
        self.record.update(total=total, sent=0)
        try:
            sock.sendall(self.head(total))
            for chunk in self.chunks():
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if self.chunked else chunk)
                self.record["sent"] += len(chunk)
            if self.chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            self.record["client_stopped"] = True
        self.record["done"] = True


# ---------------------------------------------------------------------------------------------------- state

class Scenario(object):
    def __init__(self, kind, endpoint, webhook_id=None, times=None, **options):
        self.kind = kind
        self.endpoint = endpoint
        self.webhook_id = webhook_id
        self.times = times
        self.options = options
        self.used = 0

    def matches(self, endpoint, webhook_id):
        return (self.endpoint == endpoint and (self.webhook_id is None or self.webhook_id == webhook_id)
                and (self.times is None or self.used < self.times))


class Tenant(object):
    """What one access key id sees: its webhooks, its scenarios, and what the server observed of its calls."""

    def __init__(self, server, key_id):
        self.server = server
        self.key_id = key_id
        self.webhooks = {}
        self.scenarios = []
        self.counts = {}
        self.requests = []
        self.deliveries = []
        self.trickles = []
        self.streams = []
        self.logs = {}
        # list-webhooks leaves the secret field out (get-webhook still returns it).
        self.list_hides_secret = False
        # data.response of every trigger-webhook.
        self.trigger_response = {"received": True}
        self._next_id = 0

    def add_webhook(self, webhook_id=None, name=None, **fields):
        """A webhook of this tenant (its secret is the server's webhook secret unless ``secret`` is given; ``None``
        leaves the field out)."""
        if webhook_id is None:
            self._next_id += 1
            webhook_id = "%s-wh%04d" % (self.key_id, self._next_id)
        webhook = {"webhookId": webhook_id, "name": name or webhook_id,
                   "url": "https://hooks.example.test/%s" % webhook_id, "contentType": "application/json",
                   "enabled": True, "events": ["test"], "secret": self.server.webhook_secret,
                   "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z"}
        webhook.update(fields)
        if webhook.get("secret", 0) is None:
            del webhook["secret"]
        self.webhooks[webhook_id] = webhook
        return webhook

    def scenario(self, kind, endpoint, webhook_id=None, times=None, **options):
        scenario = Scenario(kind, endpoint, webhook_id, times, **options)
        with self.server.lock:
            self.scenarios.append(scenario)
        return scenario

    def calls(self, endpoint=None):
        """Calls this tenant made to ``endpoint`` (every endpoint when None)."""
        with self.server.lock:
            if endpoint is None:
                return sum(self.counts.values())
            return self.counts.get(endpoint, 0)

    def _match(self, endpoint, webhook_id):
        for scenario in self.scenarios:
            if scenario.matches(endpoint, webhook_id):
                scenario.used += 1
                return scenario
        return None


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        hostile = self.server.hostile
        hostile._enter()
        try:
            self.request.settimeout(READ_TIMEOUT)
            try:
                request = _read_request(self.request)
            except (OSError, ValueError):
                return
            if request is None:
                return
            hostile.answer(request).send(self.request)
        finally:
            hostile._leave()


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # a client that hangs up is not news
        pass


def _read_request(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > MAX_REQUEST_BYTES:
            raise ValueError("request too large")
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target, dummy = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, dummy, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    if length > MAX_REQUEST_BYTES:
        raise ValueError("request too large")
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    parts = urlsplit(target)
    query = dict((key, values[0]) for key, values in parse_qs(parts.query).items())
    text = body[:length].decode("utf-8", "replace")
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = None
    return {"method": method, "path": parts.path, "query": query, "query_text": parts.query, "headers": headers,
            "body": text, "json": payload}


# ---------------------------------------------------------------------------------------------------- the server

class HostileServer(object):
    """The hostile API on 127.0.0.1 (an ephemeral port), serving each connection on its own thread."""

    def __init__(self, key_secret=None, webhook_secret=None):
        self.key_secret = key_secret or make_secret(43)
        self.webhook_secret = webhook_secret or make_secret(32)
        # Other values that must never show (an older webhook secret, a subscriber's own token), by label.
        self.extra_secrets = {}
        self.issued_tokens = []
        self.lock = threading.RLock()
        self._idle = threading.Condition(self.lock)
        self._active = 0
        self._tenants = {}
        self._token_tenants = {}
        self.unrouted = []  # requests to paths outside the API, such as a redirect's target
        self._server = None
        self._thread = None
        self.url = None

    # lifecycle -----------------------------------------------------------------------------------

    def start(self):
        self._server = _TCPServer(("127.0.0.1", 0), _Handler)
        self._server.hostile = self
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="hostile-genauth", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _enter(self):
        with self.lock:
            self._active += 1

    def _leave(self):
        with self.lock:
            self._active -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout=10.0):
        """Wait until no connection is being answered (a trickle notices a client gone within its delay)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self._active:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # what tests use ------------------------------------------------------------------------------

    def env(self):
        """Environment variables pointing a module, the role or the callback at this server (default tenant)."""
        return {
            "GENAUTH_HOST": self.url,
            "GENAUTH_ACCESS_KEY_ID": DEFAULT_KEY_ID,
            "GENAUTH_ACCESS_KEY_SECRET": self.key_secret,
            "NO_PROXY": LOOPBACK_NO_PROXY,
            "no_proxy": LOOPBACK_NO_PROXY,
        }

    def tenant(self, key_id=DEFAULT_KEY_ID):
        """The tenant of access key id ``key_id``, made on first use."""
        with self.lock:
            if key_id not in self._tenants:
                self._tenants[key_id] = Tenant(self, key_id)
            return self._tenants[key_id]

    def scenario(self, kind, endpoint, webhook_id=None, times=None, **options):
        """A scenario on the default tenant (see the module docstring)."""
        return self.tenant().scenario(kind, endpoint, webhook_id, times, **options)

    def secrets(self):
        """label -> value of everything that must never show: the access key secret, the webhook secret, the extra
        secrets tests add, and every token issued."""
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
            headers = dict(entry["headers"])
            headers.pop("authorization", None)
            places = {"path": entry["path"] + "?" + entry["query_text"], "headers": json.dumps(headers), "body": body}
            for label, secret in self.secrets().items():
                for where, text in places.items():
                    if secret in text or quote(secret, safe="") in text:
                        found.append("%s in the %s of a %s %s of tenant %s"
                                     % (label, where, entry["method"], entry["path"], key_id))
        return found

    # answering -----------------------------------------------------------------------------------

    def answer(self, request):
        path = request["path"]
        if not path.startswith(API_PREFIX):
            with self.lock:
                self.unrouted.append(request)
            return Answer(404, b"<html><body>Not found</body></html>", "text/html")
        endpoint = path[len(API_PREFIX):]
        token = None
        if endpoint == "get-management-token":
            key_id = (request["json"] or {}).get("accessKeyId") if isinstance(request["json"], dict) else None
            if not isinstance(key_id, str) or not key_id:
                return Answer(body=envelope(status_code=400, message="accessKeyId is required", apiCode=2000))
            tenant = self.tenant(key_id)
        else:
            auth = request["headers"].get("authorization", "")
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
            with self.lock:
                tenant = self._token_tenants.get(token)
            if tenant is None:
                with self.lock:
                    self.unrouted.append(request)
                return Answer(body=envelope(status_code=401, message="invalid token", apiCode=2020))
        payload = request["json"] if isinstance(request["json"], dict) else {}
        webhook_id = request["query"].get("webhookId") if request["method"] == "GET" else payload.get("webhookId")
        with self.lock:
            tenant.counts[endpoint] = tenant.counts.get(endpoint, 0) + 1
            tenant.requests.append(request)
            scenario = tenant._match(endpoint, webhook_id if isinstance(webhook_id, str) else None)
        context = {"tenant": tenant, "endpoint": endpoint, "request": request, "payload": payload,
                   "webhook_id": webhook_id, "token": token}
        if scenario is None:
            return self._normal(context)
        return getattr(self, "_kind_" + scenario.kind)(context, **scenario.options)

    # the API as it should be ------------------------------------------------------------------------

    def _normal(self, ctx):
        tenant, endpoint, payload, webhook_id = ctx["tenant"], ctx["endpoint"], ctx["payload"], ctx["webhook_id"]
        handler = getattr(self, "_api_" + endpoint.replace("-", "_"), None)
        if handler is None:
            return Answer(404, b"<html><body>No such endpoint</body></html>", "text/html")
        return Answer(body=handler(tenant, ctx["request"], payload, webhook_id))

    def _api_get_management_token(self, tenant, request, payload, webhook_id):
        if payload.get("accessKeySecret") != self.key_secret:
            return envelope(status_code=401, message="accessKeyId or accessKeySecret is wrong", apiCode=2333)
        now = int(time.time())
        token = jwt({"scoped_userpool_id": tenant.key_id, "iat": now, "exp": now + 7200, "jti": secrets.token_hex(6)})
        with self.lock:
            self.issued_tokens.append(token)
            self._token_tenants[token] = tenant
        return envelope({"access_token": token, "expires_in": 7200})

    @staticmethod
    def _not_found(webhook_id):
        return envelope(status_code=404, message="webhook %s not found" % webhook_id, apiCode=2004)

    def _api_get_webhook(self, tenant, request, payload, webhook_id):
        webhook = tenant.webhooks.get(webhook_id) if isinstance(webhook_id, str) else None
        return envelope(webhook) if webhook else self._not_found(webhook_id)

    @staticmethod
    def _paging(request, payload=None):
        source = payload if payload else request["query"]
        try:
            page = max(1, int(source.get("page") or 1))
            limit = min(PAGE_LIMIT_MAX, max(1, int(source.get("limit") or 10)))
        except (TypeError, ValueError):
            page, limit = 1, 10
        return page, limit

    def _listed(self, tenant, webhook):
        if tenant.list_hides_secret:
            return dict((key, value) for key, value in webhook.items() if key != "secret")
        return webhook

    def _api_list_webhooks(self, tenant, request, payload, webhook_id):
        page, limit = self._paging(request)
        everything = list(tenant.webhooks.values())
        chosen = everything[(page - 1) * limit:page * limit]
        return envelope({"totalCount": len(everything), "list": [self._listed(tenant, item) for item in chosen]})

    def _api_trigger_webhook(self, tenant, request, payload, webhook_id):
        if not isinstance(webhook_id, str) or webhook_id not in tenant.webhooks:
            return self._not_found(webhook_id)
        with self.lock:
            tenant.deliveries.append(payload)
        return envelope({"response": tenant.trigger_response})

    def _api_get_webhook_logs(self, tenant, request, payload, webhook_id):
        if not isinstance(webhook_id, str) or webhook_id not in tenant.webhooks:
            return self._not_found(webhook_id)
        page, limit = self._paging(request, payload)
        logs = tenant.logs.get(webhook_id, [])
        return envelope({"totalCount": len(logs), "list": logs[(page - 1) * limit:page * limit]})

    def _api_get_webhook_event_list(self, tenant, request, payload, webhook_id):
        return envelope(EVENT_LIST)

    def _api_create_webhook(self, tenant, request, payload, webhook_id):
        fields = dict((key, payload[key]) for key in ("name", "url", "events", "contentType", "enabled", "secret")
                      if key in payload)
        return envelope(tenant.add_webhook(**fields))

    def _api_update_webhook(self, tenant, request, payload, webhook_id):
        webhook = tenant.webhooks.get(webhook_id) if isinstance(webhook_id, str) else None
        if webhook is None:
            return self._not_found(webhook_id)
        webhook.update((key, value) for key, value in payload.items() if key != "webhookId")
        return envelope(webhook)

    def _api_delete_webhook(self, tenant, request, payload, webhook_id):
        for gone in payload.get("webhookIds") or []:
            if isinstance(gone, str):
                tenant.webhooks.pop(gone, None)
        return envelope(None)

    # hostile kinds -------------------------------------------------------------------------------

    def _record(self, ctx, where, **fields):
        record = dict(endpoint=ctx["endpoint"], webhook_id=ctx["webhook_id"], done=False, **fields)
        with self.lock:
            getattr(ctx["tenant"], where).append(record)
        return record

    def _trickle(self, ctx, phase, delay, size, patience):
        normal = self._normal(ctx)
        body = normal.body + b" " * max(0, size - len(normal.body))
        record = self._record(ctx, "trickles", phase=phase, sent=0, client_closed=False, outlasted=False)
        return Trickle(normal.status, body, record, phase, delay, patience)

    def _kind_trickle_headers(self, ctx, delay=0.5, size=200, patience=12):
        return self._trickle(ctx, "headers", delay, size, patience)

    def _kind_trickle_body(self, ctx, delay=0.5, size=200, patience=12):
        return self._trickle(ctx, "body", delay, size, patience)

    def _kind_stream(self, ctx, size=200 << 20, chunked=False):
        # The normal answer with ``size`` spaces after its opening brace: valid JSON whose value is small, so that a
        # client that reads it whole still returns a small result, and only its memory shows what it did.
        normal = self._normal(ctx)
        record = self._record(ctx, "streams", client_stopped=False)
        return Stream(normal.body[:1], size, normal.body[1:], record, chunked=chunked)

    def _kind_gzip(self, ctx, path):
        if ctx["endpoint"] == "trigger-webhook":
            self._normal(ctx)
        with open(path, "rb") as handle:
            body = handle.read()
        self._record(ctx, "streams", total=len(body), sent=len(body), client_stopped=False)
        return Answer(200, body, headers=[("Content-Encoding", "gzip")])

    def _secret_value(self, ctx, which):
        return self.key_secret if which == "key_secret" else ctx["token"] or ""

    def _kind_html(self, ctx, status=500, secret="key_secret", at=180):
        value = self._secret_value(ctx, secret)
        head = "<html><head><title>%d Internal Server Error</title></head><body><h1>Gateway error</h1><p>" % status
        head += "x" * max(0, at - len(head))
        page = head + value + "</p><p>request echoed for debugging</p></body></html>"
        return Answer(status, page.encode("utf-8"), "text/html; charset=utf-8")

    def _kind_redirect(self, ctx, location, status=302):
        target = location.format(url=self.url, token=ctx["token"] or "", key_secret=self.key_secret,
                                 key_secret_quoted=quote(self.key_secret, safe=""))
        return Answer(status, b"", None, headers=[("Location", target)])

    def _kind_envelope(self, ctx, status_code=403, message="", api_code=None):
        extra = {} if api_code is None else {"apiCode": api_code}
        return Answer(body=envelope(status_code=status_code, message=message, **extra))

    def _kind_data(self, ctx, data):
        return Answer(body=envelope(data))

    def _kind_deep(self, ctx, depth=3000, shape="list"):
        opening, closing = ("[", "]") if shape == "list" else ('{"a": ', "}")
        nest = opening * depth + ("0" if shape == "dict" else "") + closing * depth
        endpoint = ctx["endpoint"]
        if endpoint == "trigger-webhook":
            self._normal(ctx)  # delivered
            data = '{"response": %s}' % nest
        elif endpoint == "list-webhooks":
            data = '{"totalCount": 1, "list": [{"webhookId": "deep", "name": "deep", "nest": %s}]}' % nest
        else:
            data = '{"webhookId": %s, "name": "deep", "nest": %s}' % (json.dumps(ctx["webhook_id"]), nest)
        text = '{"statusCode": 200, "message": "", "requestId": "deep", "data": %s}' % data
        return Answer(body=text.encode())

    def _kind_pages(self, ctx, mode="endless", total=ABSENT, pages=300):
        page, limit = self._paging(ctx["request"])
        secret = self.webhook_secret

        def hook(number, name=None):
            return {"webhookId": "wh%04d" % number, "name": name or "hook-%d" % number,
                    "url": "https://hooks.example.test/hook-%d" % number, "contentType": "application/json",
                    "enabled": True, "events": ["test"], "secret": secret}

        if mode == "endless":
            items = [hook((page - 1) * limit + index) for index in range(limit)] if page <= pages else []
        elif mode == "repeat":
            items = [hook(index) for index in range(limit)]
        elif mode == "moving":
            # 51 webhooks when page 1 is read; one of the first 50 is deleted before page 2 is.
            items = [hook(index) for index in range(50)] if page == 1 else [hook(49)] if page == 2 else []
            total = 51 if page == 1 else 50
        else:
            raise ValueError(mode)
        data = {"list": items}
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
    """Where a secret shows in ``texts`` (where -> text), as "<label> (<how>) in <where>", never the secret itself.

    Each secret is looked for whole, URL-encoded (``quote(secret, safe="")``, when that differs), and as every piece
    of ``window`` characters. The pieces are looked up in a table, over the distinct runs of the text between
    characters no secret holds, so a scan of megabytes of -vvvv output stays fast.
    """
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
        text = text or ""
        seen = set()
        for label, secret in secrets_by_label.items():
            encoded = quote(secret, safe="")
            if secret in text:
                seen.add(label)
                found.append("%s (whole) in the %s" % (label, where))
            elif encoded != secret and encoded in text:
                seen.add(label)
                found.append("%s (URL-encoded) in the %s" % (label, where))
        for run in set(_DELIMITERS.split(text)):
            if len(run) < window:
                continue
            for start in range(len(run) - window + 1):
                hit = pieces.get(run[start:start + window])
                if hit and hit[0] not in seen:
                    seen.add(hit[0])
                    found.append("%s (its characters %d to %d) in the %s" % (hit[0], hit[1], hit[1] + window - 1, where))
    return found

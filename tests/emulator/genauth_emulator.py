#!/usr/bin/env python
"""Local emulator of the GenAuth Management API V3 webhook endpoints.

It answers like the real API (HTTP 200 envelopes with a business statusCode,
management tokens as HS256 JWTs, bearer checks, strict request validation) and
really delivers triggered webhooks, but only to loopback addresses. A control API
under /__emulator__/ injects faults, revokes or expires tokens, exposes the
request log, resets state and sets a latency for every API call (`--api-latency`,
or the `config` control route). Standard library only, so it runs under any
python3.11+:

    python tests/emulator/genauth_emulator.py --port 0 --seed seed.json --ready-file ready.json

Seed file: {"userpools": [{"id": ..., "accessKeySecret": ...}],
            "webhooks": [{"userpoolId": ..., <WebhookDto fields>}]}
"${RECEIVER_URL}" in any seed string is replaced by the RECEIVER_URL env var.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import os
import re
import secrets
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Callable

try:
    from . import _serving
except ImportError:  # run as a script: tests/emulator itself is on sys.path
    import _serving

Reply = _serving.Reply
json_reply = _serving.json_reply

API_PREFIX = "/api/v3/"
CONTROL_PREFIX = "/__emulator__/"

DELIVERY_USER_AGENT = "authing-webhook@2.0"
DEFAULT_DELIVERY_TIMEOUT = 10.0
CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")
# Headers the emulator sets on a delivery; requestHeaders may not override them
# (the transport-level ones would also corrupt the HTTP message).
PROTECTED_DELIVERY_HEADERS = {
    "user-agent", "x-authing-webhook-secret", "x-authing-userpool-id", "content-type",
    "content-length", "host", "transfer-encoding", "connection",
}
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


class Code:
    """apiCode values. Only 2333 is documented; the rest are stable emulator choices."""

    INVALID_ARGUMENT = 1400
    NOT_FOUND = 1404
    PAYLOAD_TOO_LARGE = 1413
    BAD_CREDENTIALS = 2333
    TOKEN_MISSING = 2020
    TOKEN_INVALID = 2021
    TOKEN_EXPIRED = 2022
    TOKEN_REVOKED = 2023
    USERPOOL_MISMATCH = 2024
    DELIVERY_FAILED = 6001
    DELIVERY_TIMEOUT = 6003


EVENT_CATEGORIES = [
    {"name": "测试", "nameEn": "Test", "value": "test"},
    {"name": "认证", "nameEn": "Authentication", "value": "authentication"},
    {"name": "用户", "nameEn": "User", "value": "user"},
]
EVENTS = [
    {"name": "测试事件", "nameEn": "Test event", "value": "test", "category": "test"},
    {"name": "用户登录", "nameEn": "User login", "value": "login", "category": "authentication"},
    {"name": "用户注册", "nameEn": "User register", "value": "register", "category": "authentication"},
    {"name": "创建用户", "nameEn": "User created", "value": "user:created", "category": "user"},
    {"name": "修改用户", "nameEn": "User updated", "value": "user:updated", "category": "user"},
    {"name": "删除用户", "nameEn": "User deleted", "value": "user:deleted", "category": "user"},
]
EVENT_NAMES = {event["value"] for event in EVENTS}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_request_id() -> str:
    return str(uuid.uuid4())


def new_object_id() -> str:
    """24 hex characters, shaped like the Mongo ObjectIds the real API uses as ids."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


class ApiError(Exception):
    """A business error, answered as HTTP 200 with an error envelope."""

    def __init__(self, status_code: int, message: str, api_code: int):
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.api_code = api_code

    def envelope(self) -> dict:
        return {"statusCode": self.status_code, "message": self.message,
                "apiCode": self.api_code, "requestId": new_request_id()}


def invalid(message: str) -> ApiError:
    return ApiError(400, message, Code.INVALID_ARGUMENT)


def success_envelope(data, message: str = "Operation successful") -> dict:
    return {"statusCode": 200, "message": message, "requestId": new_request_id(), "data": data}


# --------------------------------------------------------------------------- tokens


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """Issues and verifies management tokens (HS256 JWTs with a per-process key).

    Every issued jti is remembered so the control API can revoke or expire all
    tokens issued so far while tokens issued afterwards stay valid.
    """

    ACTIVE, REVOKED, EXPIRED = "active", "revoked", "expired"

    def __init__(self, ttl: int):
        self.ttl = ttl
        self._key = secrets.token_bytes(32)
        self._status: dict[str, str] = {}
        # Every token handed out, so tests can check that none of them leaks anywhere.
        self.issued: list[str] = []
        self._lock = threading.Lock()

    def issue(self, userpool_id: str) -> str:
        now = int(time.time())
        claims = {"scoped_userpool_id": userpool_id, "iat": now, "exp": now + self.ttl,
                  "jti": uuid.uuid4().hex, "iss": "genauth-emulator"}
        with self._lock:
            self._status[claims["jti"]] = self.ACTIVE
        compact = {"separators": (",", ":")}
        signing_input = (_b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, **compact).encode())
                         + "." + _b64url(json.dumps(claims, **compact).encode()))
        token = signing_input + "." + _b64url(self._sign(signing_input))
        with self._lock:
            self.issued.append(token)
        return token

    def _sign(self, signing_input: str) -> bytes:
        return hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()

    def mark_all(self, status: str) -> int:
        """Set every token issued so far to REVOKED or EXPIRED; returns how many."""
        with self._lock:
            for jti in self._status:
                self._status[jti] = status
            return len(self._status)

    def verify(self, token: str) -> dict:
        """Return the claims of a valid token, else raise the 401 ApiError the API would."""
        parts = token.split(".")
        if len(parts) != 3:
            raise ApiError(401, "Invalid access token: malformed JWT", Code.TOKEN_INVALID)
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError):
            raise ApiError(401, "Invalid access token: malformed JWT", Code.TOKEN_INVALID) from None
        if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
            raise ApiError(401, "Invalid access token: unsupported JWT", Code.TOKEN_INVALID)
        if not hmac.compare_digest(signature, self._sign(parts[0] + "." + parts[1])):
            raise ApiError(401, "Invalid access token: bad signature", Code.TOKEN_INVALID)
        with self._lock:
            status = self._status.get(claims.get("jti"))
        if status is None:
            raise ApiError(401, "Invalid access token: unknown token", Code.TOKEN_INVALID)
        if status == self.REVOKED:
            raise ApiError(401, "Access token has been revoked", Code.TOKEN_REVOKED)
        exp = claims.get("exp")
        if status == self.EXPIRED or not isinstance(exp, int) or exp <= time.time():
            raise ApiError(401, "Access token has expired", Code.TOKEN_EXPIRED)
        return claims


# --------------------------------------------------------------------------- faults


FAULT_KINDS = ("http_status", "http_401", "envelope_status", "delay", "html",
               "invalid_json", "drop", "truncate")

_ENVELOPE_FAULT_MESSAGES = {
    429: "Too many requests, please try again later",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service temporarily unavailable",
}


@dataclass
class Fault:
    """One injected fault; `count` matching API calls consume it."""

    endpoint: str  # an endpoint name such as "trigger-webhook", or "*" for all
    kind: str
    count: int = 1
    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    phase: str = "before"
    text: str | None = None  # http_status only: answer this text instead of JSON

    @classmethod
    def from_request(cls, spec: dict) -> "Fault":
        """Validate a control-API fault spec; raises ValueError with a readable reason."""
        if not isinstance(spec, dict):
            raise ValueError("fault must be a JSON object")
        unknown = set(spec) - {"endpoint", "kind", "count", "status", "retry_after", "delay",
                               "phase", "text"}
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        endpoint, kind = spec.get("endpoint"), spec.get("kind")
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        count = spec.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("count must be an integer >= 1")
        phase = spec.get("phase", "before")
        if phase not in ("before", "after"):
            raise ValueError("phase must be 'before' or 'after'")
        delay = spec.get("delay", 0)
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
            raise ValueError("delay must be a number of seconds >= 0")
        status = spec.get("status")
        if kind == "http_401":
            kind, status = "http_status", 401
        if status is None:
            status = {"http_status": 500, "envelope_status": 500, "html": 502}.get(kind)
        if status is not None and (not isinstance(status, int) or isinstance(status, bool)
                                   or not 100 <= status <= 999):
            raise ValueError("status must be an integer status code")
        if kind in ("http_status", "html") and not 100 <= status <= 599:
            raise ValueError("an HTTP status must be between 100 and 599")
        retry_after = spec.get("retry_after")
        text = spec.get("text")
        return cls(endpoint=endpoint, kind=kind, count=count, status=status,
                   retry_after=None if retry_after is None else str(retry_after),
                   delay=float(delay), phase=phase, text=None if text is None else str(text))

    def reply(self) -> Reply | None:
        """The injected answer (None = drop). Not used for `delay`, which only sleeps."""
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        if self.kind == "drop":
            return None
        if self.kind == "truncate":
            # Headers announce a whole success envelope; half of it arrives, then the connection closes.
            reply = json_reply({"statusCode": 200, "message": "Operation successful",
                                "requestId": new_request_id(), "data": {"response": "x" * 64}})
            reply.truncate = True
            return reply
        if self.kind == "envelope_status":
            message = _ENVELOPE_FAULT_MESSAGES.get(self.status, "Injected error")
            return json_reply({"statusCode": self.status, "message": message,
                               "apiCode": self.status, "requestId": new_request_id()},
                              headers=headers)
        reason = _reason(self.status)
        if self.kind == "html":
            page = (f"<html>\r\n<head><title>{self.status} {reason}</title></head>\r\n<body>\r\n"
                    f"<center><h1>{self.status} {reason}</h1></center>\r\n"
                    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
            return Reply(self.status, page.encode(), "text/html", headers)
        if self.kind == "invalid_json":
            return Reply(200, b'{"statusCode": 200, "message": "Operation succ', headers=headers)
        if self.text is not None:
            return Reply(self.status, self.text.encode(), "text/plain; charset=utf-8", headers)
        reply = json_reply({"statusCode": self.status, "message": reason, "error": reason},
                           self.status, headers)
        reply.envelope_status = None  # a real HTTP error, not a business envelope
        return reply


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --------------------------------------------------------------------------- state


def _substitute_env(value):
    """Replace ${RECEIVER_URL} in every string of the seed document."""
    if isinstance(value, str):
        receiver = os.environ.get("RECEIVER_URL")
        return value.replace("${RECEIVER_URL}", receiver) if receiver is not None else value
    if isinstance(value, list):
        return [_substitute_env(item) for item in value]
    if isinstance(value, dict):
        return {key: _substitute_env(item) for key, item in value.items()}
    return value


class Store:
    """All mutable emulator state, guarded by one lock.

    Holds the user pools, webhooks (each owned by one pool), webhook logs, pending
    faults and the request log. `reset()` restores the seed.
    """

    def __init__(self, seed: dict | None = None, log_file: str | None = None, api_latency: float = 0.0):
        self.lock = threading.RLock()
        self._seed = seed or {}
        self._log_file = log_file
        self._api_latency = api_latency
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.userpools = {pool["id"]: pool["accessKeySecret"]
                              for pool in self._seed.get("userpools", [])}
            self.webhooks: dict[str, dict] = {}
            for hook in self._seed.get("webhooks", []):
                record = self._new_webhook_record(hook["userpoolId"], hook)
                self.webhooks[record["webhookId"]] = record
            self.logs: list[dict] = []
            self.faults: list[Fault] = []
            self.requests: list[dict] = []
            # Seconds every API call waits before it is processed: the network and the real API's own time,
            # which loopback lacks (the control API is never slowed).
            self.api_latency = self._api_latency
            # Requests still in flight at a reset (a slow "delay" fault) belong to the test before it:
            # each entry carries the generation it arrived in, and stale ones are not logged.
            self.generation = getattr(self, "generation", 0) + 1

    @staticmethod
    def _new_webhook_record(userpool_id: str, fields: dict) -> dict:
        stamp = now_iso()
        return {
            "userpoolId": userpool_id,
            "webhookId": fields.get("webhookId") or new_object_id(),
            "createdAt": fields.get("createdAt") or stamp,
            "updatedAt": fields.get("updatedAt") or stamp,
            "name": fields.get("name", ""),
            "url": fields.get("url", ""),
            "contentType": fields.get("contentType") or "application/json",
            "enabled": fields.get("enabled", True),
            "events": list(fields.get("events") or ["test"]),
            "secret": fields.get("secret") or "",
        }

    # Credentials ------------------------------------------------------------

    def check_credentials(self, access_key_id: str, access_key_secret: str) -> bool:
        with self.lock:
            expected = self.userpools.get(access_key_id)
        return expected is not None and hmac.compare_digest(
            expected.encode(), access_key_secret.encode())

    # Webhooks ---------------------------------------------------------------

    @staticmethod
    def dto(record: dict) -> dict:
        """The WebhookDto the API returns: the record without its owner."""
        return {key: value for key, value in record.items() if key != "userpoolId"}

    def get_webhook(self, userpool_id: str, webhook_id: str) -> dict:
        """A copy of the pool's webhook; other pools' webhooks are invisible (404)."""
        with self.lock:
            record = self.webhooks.get(webhook_id)
            if record is None or record["userpoolId"] != userpool_id:
                raise ApiError(404, "Webhook not found", Code.NOT_FOUND)
            return dict(record, events=list(record["events"]))

    def list_webhooks(self, userpool_id: str) -> list[dict]:
        with self.lock:
            return [self.dto(r) for r in self.webhooks.values() if r["userpoolId"] == userpool_id]

    def create_webhook(self, userpool_id: str, fields: dict) -> dict:
        with self.lock:
            record = self._new_webhook_record(userpool_id, {
                key: value for key, value in fields.items() if key != "webhookId"})
            self.webhooks[record["webhookId"]] = record
            return self.dto(record)

    def add_webhook(self, fields: dict) -> str:
        """A webhook added by the control API, as a seeded one: any fields, no validation."""
        with self.lock:
            record = self._new_webhook_record(fields["userpoolId"], fields)
            self.webhooks[record["webhookId"]] = record
            return record["webhookId"]

    def update_webhook(self, userpool_id: str, webhook_id: str, changes: dict) -> dict:
        with self.lock:
            self.get_webhook(userpool_id, webhook_id)  # 404 unless the pool owns it
            record = self.webhooks[webhook_id]
            record.update(changes)
            record["updatedAt"] = now_iso()
            return self.dto(record)

    def delete_webhooks(self, userpool_id: str, webhook_ids: list[str]) -> None:
        with self.lock:
            for webhook_id in webhook_ids:
                record = self.webhooks.get(webhook_id)
                if record is not None and record["userpoolId"] == userpool_id:
                    del self.webhooks[webhook_id]

    def add_log(self, log: dict) -> None:
        with self.lock:
            self.logs.append(log)

    def webhook_logs(self, userpool_id: str, webhook_id: str) -> list[dict]:
        """Logs of one webhook, newest first; unknown ids just have none (as documented)."""
        with self.lock:
            record = self.webhooks.get(webhook_id)
            if record is None or record["userpoolId"] != userpool_id:
                return []
            return [log for log in reversed(self.logs) if log["webhookId"] == webhook_id]

    # Faults and request log --------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, endpoint: str) -> Fault | None:
        """Consume one count of the oldest fault matching `endpoint`."""
        with self.lock:
            for fault in self.faults:
                if fault.endpoint in (endpoint, "*"):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return Fault(**{**asdict(fault), "count": 1})
        return None

    def record_request(self, entry: dict) -> None:
        with self.lock:
            if entry.pop("generation", self.generation) != self.generation:
                return
            self.requests.append(entry)
            if self._log_file:
                with open(self._log_file, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry) + "\n")

    def snapshot(self) -> dict:
        with self.lock:
            return {"userpools": sorted(self.userpools),
                    "webhooks": [dict(r) for r in self.webhooks.values()],
                    "logs": list(self.logs),
                    "faults": [asdict(f) for f in self.faults]}


# --------------------------------------------------------------------------- validation


def reject_unknown_fields(params: dict, allowed: frozenset) -> None:
    for name in params:
        if name not in allowed:
            raise invalid(f"Unknown field: {name}")


def required_string(params: dict, name: str) -> str:
    value = params.get(name)
    if value is None:
        raise invalid(f"{name} is required")
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"{name} must be a non-empty string")
    return value


def optional_object(params: dict, name: str) -> dict | None:
    """None (absent or null: the API treats both as not given) or a JSON object."""
    value = params.get(name)
    if value is not None and not isinstance(value, dict):
        raise invalid(f"{name} must be an object")
    return value


def paging(params: dict, from_query: bool) -> tuple[int, int]:
    """page (>= 1, default 1) and limit (1..50, default 10); query values are strings."""
    result = []
    for name, default, upper in (("page", 1, None), ("limit", 10, 50)):
        value = params.get(name)
        if value is None:
            result.append(default)
            continue
        if from_query and isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(f"{name} must be an integer")
        if value < 1 or (upper is not None and value > upper):
            raise invalid(f"{name} must be between 1 and {upper}" if upper
                          else f"{name} must be >= 1")
        result.append(value)
    return result[0], result[1]


def webhook_fields(params: dict, required: bool) -> dict:
    """Validate create/update fields; returns only the ones given (non-null)."""
    fields = {}
    for name in ("name", "url", "events", "contentType"):
        if params.get(name) is None and required:
            raise invalid(f"{name} is required")
    if params.get("name") is not None:
        fields["name"] = required_string(params, "name")
    if params.get("url") is not None:
        url = required_string(params, "url")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", url):
            raise invalid("url must be a valid http or https URL")
        fields["url"] = url
    if params.get("events") is not None:
        events = params["events"]
        if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
            raise invalid("events must be a non-empty list of event names")
        unknown = [event for event in events if event not in EVENT_NAMES]
        if unknown:
            raise invalid(f"Unknown event: {unknown[0]}")
        fields["events"] = list(dict.fromkeys(events))
    if params.get("contentType") is not None:
        if params["contentType"] not in CONTENT_TYPES:
            raise invalid("contentType must be one of: " + ", ".join(CONTENT_TYPES))
        fields["contentType"] = params["contentType"]
    if params.get("enabled") is not None:
        if not isinstance(params["enabled"], bool):
            raise invalid("enabled must be a boolean")
        fields["enabled"] = params["enabled"]
    if params.get("secret") is not None:
        if not isinstance(params["secret"], str):
            raise invalid("secret must be a string")
        fields["secret"] = params["secret"]
    return fields


def delivery_headers(given: dict | None) -> dict:
    """Validate requestHeaders and turn scalar values into header strings."""
    headers = {}
    for name, value in (given or {}).items():
        if not HEADER_NAME_RE.match(name):
            raise invalid(f"requestHeaders: invalid header name {name!r}")
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (int, float)):
            value = str(value)
        if not isinstance(value, str):
            raise invalid(f"requestHeaders.{name} must be a string")
        if any(ch in value for ch in "\r\n\0"):
            raise invalid(f"requestHeaders.{name} contains a forbidden character")
        headers[name] = value
    return headers


# --------------------------------------------------------------------------- delivery


def is_loopback_host(host: str | None) -> bool:
    """Only literal loopback IPs and `localhost` count; no DNS lookups are made."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def encode_delivery_body(body: dict, content_type: str) -> bytes:
    if content_type == "application/x-www-form-urlencoded":
        # Nested values have no form representation; they travel JSON-encoded.
        return urllib.parse.urlencode({
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in body.items()}).encode()
    return json.dumps(body).encode()


def deliver(webhook: dict, given_headers: dict, body: dict, timeout: float) -> tuple[dict, object]:
    """POST the webhook to its subscriber.

    Returns (log entry, response data). Raises ApiError 601 (refused or
    unreachable) or 603 (timeout); the log entry is attached as `err.log`.
    """
    url = webhook["url"]
    parts = urllib.parse.urlsplit(url)
    headers = {name: value for name, value in given_headers.items()
               if name.lower() not in PROTECTED_DELIVERY_HEADERS}
    headers.update({
        "User-Agent": DELIVERY_USER_AGENT,
        "x-authing-webhook-secret": webhook["secret"],
        "x-authing-userpool-id": webhook["userpoolId"],
        "Content-Type": webhook["contentType"],
    })
    payload = encode_delivery_body(body, webhook["contentType"])
    log = {"webhookId": webhook["webhookId"], "eventName": body.get("eventName") or "test",
           "requestBody": body, "requestHeaders": headers, "responseStatusCode": None,
           "responseHeaders": {}, "responseBody": "", "timestamp": now_iso(),
           "success": False, "errorMessage": None}

    def fail(status_code: int, api_code: int, message: str) -> ApiError:
        log["errorMessage"] = message
        err = ApiError(status_code, message, api_code)
        err.log = log
        return err

    if not is_loopback_host(parts.hostname):
        # Safety net: tests must never send traffic off the machine.
        raise fail(601, Code.DELIVERY_FAILED,
                   f"Refused to deliver to {parts.hostname!r}: the emulator only delivers "
                   "to loopback addresses (127.0.0.0/8, ::1, localhost)")
    # http.client rather than urllib: no proxy environment and no redirects, so a
    # delivery can never leave loopback.
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = conn_cls(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", target, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except (TimeoutError, socket.timeout):
        raise fail(603, Code.DELIVERY_TIMEOUT,
                   f"Webhook request to {url} timed out after {timeout:g} seconds") from None
    except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as exc:
        # ValueError: a header value HTTP cannot carry (non-Latin-1 text, CR/LF); the request never left.
        raise fail(601, Code.DELIVERY_FAILED,
                   f"Webhook request to {url} failed: {exc.__class__.__name__}: {exc}") from None
    finally:
        conn.close()
    text = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    log.update(responseStatusCode=response.status, responseHeaders=dict(response.getheaders()),
               responseBody=text, success=200 <= response.status < 300)
    return log, data


# --------------------------------------------------------------------------- endpoints


@dataclass
class Context:
    """What an endpoint function gets: state, caller's pool and validated-ish params."""

    store: Store
    issuer: TokenIssuer
    userpool_id: str | None
    params: dict
    from_query: bool
    delivery_timeout: float


def ep_get_management_token(ctx: Context):
    params = ctx.params
    for name in ("accessKeyId", "accessKeySecret"):
        if params.get(name) is None:
            raise invalid(f"{name} is required")
        if not isinstance(params[name], str):
            raise invalid(f"{name} must be a string")
    if not ctx.store.check_credentials(params["accessKeyId"], params["accessKeySecret"]):
        raise ApiError(401, "Invalid accessKeyId or accessKeySecret", Code.BAD_CREDENTIALS)
    return {"access_token": ctx.issuer.issue(params["accessKeyId"]), "expires_in": ctx.issuer.ttl}


def ep_trigger_webhook(ctx: Context):
    webhook_id = required_string(ctx.params, "webhookId")
    headers = delivery_headers(optional_object(ctx.params, "requestHeaders"))
    body = optional_object(ctx.params, "requestBody") or {}
    webhook = ctx.store.get_webhook(ctx.userpool_id, webhook_id)
    # A manual trigger delivers even when the webhook is disabled.
    try:
        log, response = deliver(webhook, headers, body, ctx.delivery_timeout)
    except ApiError as err:
        ctx.store.add_log(err.log)
        raise
    ctx.store.add_log(log)
    return {"response": response}


def ep_get_webhook(ctx: Context):
    webhook_id = required_string(ctx.params, "webhookId")
    return Store.dto(ctx.store.get_webhook(ctx.userpool_id, webhook_id))


def ep_list_webhooks(ctx: Context):
    page, limit = paging(ctx.params, ctx.from_query)
    webhooks = ctx.store.list_webhooks(ctx.userpool_id)
    return {"totalCount": len(webhooks), "list": webhooks[(page - 1) * limit: page * limit]}


def ep_create_webhook(ctx: Context):
    return ctx.store.create_webhook(ctx.userpool_id, webhook_fields(ctx.params, required=True))


def ep_update_webhook(ctx: Context):
    webhook_id = required_string(ctx.params, "webhookId")
    changes = webhook_fields(ctx.params, required=False)
    return ctx.store.update_webhook(ctx.userpool_id, webhook_id, changes)


def ep_delete_webhook(ctx: Context):
    ids = ctx.params.get("webhookIds")
    if ids is None:
        raise invalid("webhookIds is required")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise invalid("webhookIds must be a list of non-empty strings")
    ctx.store.delete_webhooks(ctx.userpool_id, ids)
    return None


def ep_get_webhook_logs(ctx: Context):
    webhook_id = required_string(ctx.params, "webhookId")
    page, limit = paging(ctx.params, ctx.from_query)
    logs = ctx.store.webhook_logs(ctx.userpool_id, webhook_id)
    return {"totalCount": len(logs), "list": logs[(page - 1) * limit: page * limit]}


def ep_get_webhook_event_list(ctx: Context):
    return {"categories": EVENT_CATEGORIES, "events": EVENTS}


@dataclass(frozen=True)
class Endpoint:
    method: str
    func: Callable[[Context], object]
    fields: frozenset
    auth: bool = True
    success_message: str = "Operation successful"


_WEBHOOK_FIELDS = ("name", "url", "events", "contentType", "enabled", "secret")

ENDPOINTS: dict[str, Endpoint] = {
    "get-management-token": Endpoint(
        "POST", ep_get_management_token, frozenset({"accessKeyId", "accessKeySecret"}),
        auth=False, success_message=""),
    "trigger-webhook": Endpoint(
        "POST", ep_trigger_webhook, frozenset({"webhookId", "requestHeaders", "requestBody"})),
    "get-webhook": Endpoint("GET", ep_get_webhook, frozenset({"webhookId"})),
    "list-webhooks": Endpoint("GET", ep_list_webhooks, frozenset({"page", "limit"})),
    "create-webhook": Endpoint("POST", ep_create_webhook, frozenset(_WEBHOOK_FIELDS)),
    "update-webhook": Endpoint(
        "POST", ep_update_webhook, frozenset(("webhookId",) + _WEBHOOK_FIELDS)),
    "delete-webhook": Endpoint("POST", ep_delete_webhook, frozenset({"webhookIds"})),
    "get-webhook-logs": Endpoint(
        "POST", ep_get_webhook_logs, frozenset({"webhookId", "page", "limit"})),
    "get-webhook-event-list": Endpoint("GET", ep_get_webhook_event_list, frozenset()),
}


# --------------------------------------------------------------------------- HTTP layer


class EmulatorHandler(_serving.BaseHandler):
    """Routes /api/v3/* to ENDPOINTS and /__emulator__/* to the control API."""

    server_version = "genauth-emulator/1.0"
    # Set on the class by main()/build_server(): shared by all handler threads.
    store: Store
    issuer: TokenIssuer
    delivery_timeout: float = DEFAULT_DELIVERY_TIMEOUT

    control_prefix = CONTROL_PREFIX

    def too_large_reply(self) -> Reply:
        return json_reply(ApiError(413, "Request body too large", Code.PAYLOAD_TOO_LARGE).envelope())

    def serve(self, url, body: bytes) -> None:
        endpoint_name = url.path[len(API_PREFIX):] if url.path.startswith(API_PREFIX) else None
        entry = {"time": now_iso(), "timestamp": time.time(), "method": self.command,
                 "path": url.path, "query": url.query, "headers": self.header_dict(),
                 "body": body.decode("utf-8", errors="replace"),
                 "endpoint": endpoint_name if endpoint_name in ENDPOINTS else None,
                 "fault": None, "generation": self.store.generation}
        if endpoint_name is not None and self.store.api_latency:
            time.sleep(self.store.api_latency)
        reply = self._api(endpoint_name, url.query, body, entry)
        entry["httpStatus"] = reply.status if reply else None
        entry["statusCode"] = (reply.envelope_status if reply and reply.envelope_status is not None
                               else entry["httpStatus"])
        self.store.record_request(entry)
        self.send_reply(reply)

    def _api(self, name: str | None, query: str, body: bytes, entry: dict) -> Reply | None:
        """Answer one API call, applying an injected fault before or after processing."""
        endpoint = ENDPOINTS.get(name) if name is not None else None
        if endpoint is None:
            return json_reply({"statusCode": 404, "message": f"Cannot {self.command} {self.path}",
                               "error": "Not Found"}, 404)
        fault = self.store.take_fault(name)
        if fault:
            entry["fault"] = {"kind": fault.kind, "phase": fault.phase}
        if fault and fault.phase == "before":
            if fault.kind != "delay":
                return fault.reply()  # the request is not processed at all
            time.sleep(fault.delay)
        reply = self._process(endpoint, query, body)
        if fault and fault.phase == "after":
            if fault.kind != "delay":
                return fault.reply()  # processed (and delivered), but the answer is lost
            time.sleep(fault.delay)
        return reply

    def _process(self, endpoint: Endpoint, query: str, body: bytes) -> Reply:
        if self.command != endpoint.method:
            return json_reply({"statusCode": 405, "message": f"Method {self.command} not allowed",
                               "error": "Method Not Allowed"}, 405, {"Allow": endpoint.method})
        try:
            userpool_id = self._authenticate() if endpoint.auth else None
            if endpoint.method == "GET":
                params = {key: values[-1] for key, values in
                          urllib.parse.parse_qs(query, keep_blank_values=True).items()}
            else:
                params = self._json_body(body)
            reject_unknown_fields(params, endpoint.fields)
            ctx = Context(self.store, self.issuer, userpool_id, params,
                          from_query=endpoint.method == "GET",
                          delivery_timeout=self.delivery_timeout)
            data = endpoint.func(ctx)
            return json_reply(success_envelope(data, endpoint.success_message))
        except ApiError as err:
            return json_reply(err.envelope())

    def _authenticate(self) -> str:
        """The caller's user pool id, from a valid bearer token; else a 401/403 ApiError."""
        authorization = (self.headers.get("authorization") or "").strip()
        if not authorization:
            raise ApiError(401, "Missing authorization header: a Bearer access token is required",
                           Code.TOKEN_MISSING)
        scheme, _sep, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Invalid access token: authorization must be 'Bearer <token>'",
                           Code.TOKEN_INVALID)
        claims = self.issuer.verify(token.strip())
        pool = claims.get("scoped_userpool_id")
        for header in ("x-genauth-userpool-id", "x-authing-userpool-id"):
            value = self.headers.get(header)
            if value is not None and value.strip() != pool:
                raise ApiError(403, f"{header} does not match the user pool of the access token",
                               Code.USERPOOL_MISMATCH)
        return pool

    def _json_body(self, body: bytes) -> dict:
        content_type = (self.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise invalid("Content-Type must be application/json")
        try:
            params = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise invalid("Request body is not valid JSON") from None
        if not isinstance(params, dict):
            raise invalid("Request body must be a JSON object")
        return params

    # Control API --------------------------------------------------------------

    def control(self, route: str, body: bytes) -> Reply:
        """Plain-JSON test controls; these calls are not put in the request log."""
        handlers = {
            ("POST", "faults"): self._control_add_fault,
            ("GET", "faults"): lambda _: {"faults": self.store.snapshot()["faults"]},
            ("POST", "tokens/revoke"): lambda _: {"revoked": self.issuer.mark_all(TokenIssuer.REVOKED)},
            ("POST", "tokens/expire"): lambda _: {"expired": self.issuer.mark_all(TokenIssuer.EXPIRED)},
            ("GET", "tokens"): lambda _: {"tokens": list(self.issuer.issued)},
            ("GET", "requests"): lambda _: {"requests": list(self.store.requests)},
            ("POST", "reset"): self._control_reset,
            ("POST", "webhooks"): self._control_add_webhooks,
            ("POST", "config"): self._control_config,
            ("GET", "config"): lambda _: {"api_latency": self.store.api_latency},
            ("GET", "state"): lambda _: self.store.snapshot(),
        }
        handler = handlers.get((self.command, route.rstrip("/")))
        if handler is None:
            return json_reply({"error": f"no control route {self.command} {CONTROL_PREFIX}{route}"}, 404)
        try:
            spec = json.loads(body.decode("utf-8")) if body.strip() else {}
            return json_reply(handler(spec))
        except ValueError as exc:
            return json_reply({"error": str(exc)}, 400)

    def _control_add_fault(self, spec) -> dict:
        fault = Fault.from_request(spec)
        self.store.add_fault(fault)
        return {"ok": True, "fault": asdict(fault)}

    def _control_add_webhooks(self, spec) -> dict:
        """Add webhooks as the seed does ({"webhooks": [{"userpoolId": ..., <WebhookDto fields>}]}), without a
        request per webhook: many webhooks for a test of paging. The next reset removes them."""
        hooks = spec.get("webhooks") if isinstance(spec, dict) else None
        if not isinstance(hooks, list) or not all(isinstance(h, dict) and h.get("userpoolId") for h in hooks):
            raise ValueError("webhooks must be a list of objects, each with a userpoolId")
        ids = [self.store.add_webhook(hook) for hook in hooks]
        return {"ok": True, "webhookIds": ids}

    def _control_config(self, spec) -> dict:
        """{"api_latency": seconds}: how long every API call waits, until the next reset."""
        unknown = set(spec) - {"api_latency"}
        latency = spec.get("api_latency", self.store.api_latency)
        if unknown or not isinstance(latency, (int, float)) or isinstance(latency, bool) or not 0 <= latency <= 60:
            raise ValueError("config takes api_latency, a number of seconds from 0 to 60")
        self.store.api_latency = float(latency)
        return {"api_latency": self.store.api_latency}

    def _control_reset(self, _spec) -> dict:
        self.store.reset()
        return {"ok": True}


def load_seed(path: str | None) -> dict:
    if not path:
        return {}
    with open(path, encoding="utf-8") as fh:
        return _substitute_env(json.load(fh))


def build_server(host: str, port: int, seed: dict, token_ttl: int = 7200,
                 delivery_timeout: float = DEFAULT_DELIVERY_TIMEOUT, log_file: str | None = None,
                 tls_cert: str | None = None, tls_key: str | None = None, api_latency: float = 0.0):
    """Create (not start) an emulator server with its own state."""
    handler = type("BoundEmulatorHandler", (EmulatorHandler,), {
        "store": Store(seed, log_file, api_latency), "issuer": TokenIssuer(token_ttl),
        "delivery_timeout": delivery_timeout})
    return _serving.make_server(host, port, handler, tls_cert, tls_key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", help="JSON file with userpools and webhooks")
    parser.add_argument("--ready-file", help='written as {"url", "port", "pid"} once listening')
    parser.add_argument("--tls-cert", help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--token-ttl", type=int, default=7200, help="token lifetime in seconds")
    parser.add_argument("--delivery-timeout", type=float, default=DEFAULT_DELIVERY_TIMEOUT,
                        help="seconds to wait for a webhook subscriber")
    parser.add_argument("--log-file", help="append every API request as one JSON line")
    parser.add_argument("--api-latency", type=float, default=0.0,
                        help="seconds every API call waits before it is processed (the control API's "
                             "config route changes it until the next reset)")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")

    server = build_server(args.host, args.port, load_seed(args.seed), args.token_ttl,
                          args.delivery_timeout, args.log_file, args.tls_cert, args.tls_key, args.api_latency)
    return _serving.run_server(server, "genauth emulator", args.ready_file, tls=bool(args.tls_cert))


if __name__ == "__main__":
    sys.exit(main())

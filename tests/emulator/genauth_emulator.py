#!/usr/bin/env python
"""Local emulator of the GenAuth Management API V3 webhook endpoints.

It answers like the real API (HTTP 200 envelopes with a business statusCode, management tokens as HS256 JWTs, bearer
checks, strict request validation) and really delivers triggered webhooks, but only to loopback addresses. A control
API under /__emulator__/ injects faults, revokes or expires tokens, shows the request log, resets the state, makes an
event happen (delivered to the webhooks that subscribe to it, as GenAuth delivers its events) and sets a latency for
every API call (``--api-latency``, or the ``config`` route). Standard library only, so it runs under any python3.11+:

    python tests/emulator/genauth_emulator.py --port 0 --seed seed.json --ready-file ready.json

Seed file: {"userpools": [{"id": ..., "accessKeySecret": ...}], "webhooks": [{"userpoolId": ..., <WebhookDto>}]};
"${RECEIVER_URL}" in it is replaced by the RECEIVER_URL environment variable.
"""

from __future__ import annotations

import base64
import contextlib
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
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Callable

try:
    from . import _serving
except ImportError:  # run as a script: tests/emulator itself is on sys.path
    import _serving

Reply, json_reply = _serving.Reply, _serving.json_reply

API_PREFIX = "/api/v3/"
DELIVERY_USER_AGENT = "authing-webhook@2.0"
DEFAULT_DELIVERY_TIMEOUT = 10.0
CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")
# The headers that carry the webhook's secret in a delivery: the V3 delivery log shows both with the raw secret.
DELIVERY_SECRET_HEADERS = ("x-authing-webhook-secret", "x-authing-token")
# Headers a delivery always has its own of: requestHeaders cannot replace them (the transport's would also break
# the HTTP message).
PROTECTED_DELIVERY_HEADERS = {"user-agent", *DELIVERY_SECRET_HEADERS, "x-authing-userpool-id", "content-type",
                              "content-length", "host", "transfer-encoding", "connection"}
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
    {"name": "角色", "nameEn": "Role", "value": "role"},
    {"name": "权限", "nameEn": "Permission", "value": "permission"},
    {"name": "应用", "nameEn": "Application", "value": "application"},
]
# The event names of GenAuth's public list (shared/reference/genauth-api.md), but the group, organization and user
# pool events, which it names only as families.
EVENTS = [
    {"name": "测试事件", "nameEn": "Test event", "value": "test", "category": "test"},
    {"name": "用户登录", "nameEn": "User login", "value": "login", "category": "authentication"},
    {"name": "用户注册", "nameEn": "User register", "value": "register", "category": "authentication"},
    {"name": "刷新令牌", "nameEn": "Token refreshed", "value": "refresh-token", "category": "authentication"},
    {"name": "MFA 验证", "nameEn": "MFA verified", "value": "mfa:verified", "category": "authentication"},
    {"name": "强制下线", "nameEn": "User kicked out", "value": "kick", "category": "authentication"},
    {"name": "创建用户", "nameEn": "User created", "value": "user:created", "category": "user"},
    {"name": "修改用户", "nameEn": "User updated", "value": "user:updated", "category": "user"},
    {"name": "删除用户", "nameEn": "User deleted", "value": "user:deleted", "category": "user"},
    {"name": "修改密码", "nameEn": "Password changed", "value": "user:password-changed", "category": "user"},
    {"name": "验证邮箱", "nameEn": "Email verified", "value": "user:email-verified", "category": "user"},
    {"name": "锁定用户", "nameEn": "User blocked", "value": "user:blocked", "category": "user"},
    {"name": "解锁用户", "nameEn": "User unblocked", "value": "user:unblocked", "category": "user"},
    {"name": "归档用户", "nameEn": "User archived", "value": "user:archived", "category": "user"},
    {"name": "绑定账号", "nameEn": "Account linked", "value": "user:link-account", "category": "user"},
    {"name": "创建角色", "nameEn": "Role added", "value": "role:add", "category": "role"},
    {"name": "删除角色", "nameEn": "Role deleted", "value": "role:delete", "category": "role"},
    {"name": "授予角色", "nameEn": "Role assigned", "value": "role:assigned", "category": "role"},
    {"name": "撤销角色", "nameEn": "Role unassigned", "value": "role:unassigned", "category": "role"},
    {"name": "授予权限", "nameEn": "Permission added", "value": "permission:add", "category": "permission"},
    {"name": "撤销权限", "nameEn": "Permission revoked", "value": "permission:revoke", "category": "permission"},
    {"name": "创建应用", "nameEn": "Application created", "value": "application:created", "category": "application"},
    {"name": "修改应用", "nameEn": "Application updated", "value": "application:updated", "category": "application"},
    {"name": "删除应用", "nameEn": "Application deleted", "value": "application:deleted", "category": "application"},
    {"name": "刷新应用密钥", "nameEn": "Application secret refreshed", "value": "application:secret-refreshed",
     "category": "application"},
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
        self.status_code, self.message, self.api_code = status_code, message, api_code

    def envelope(self) -> dict:
        return {"statusCode": self.status_code, "message": self.message, "apiCode": self.api_code,
                "requestId": new_request_id()}


def invalid(message: str) -> ApiError:
    return ApiError(400, message, Code.INVALID_ARGUMENT)


def success_envelope(data, message: str = "Operation successful") -> dict:
    return {"statusCode": 200, "message": message, "requestId": new_request_id(), "data": data}


# --------------------------------------------------------------------------- tokens


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url_json(text: str):
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _invalid_token(reason: str) -> ApiError:
    return ApiError(401, f"Invalid access token: {reason}", Code.TOKEN_INVALID)


class TokenIssuer:
    """Issues and verifies management tokens: HS256 JWTs signed with a key of this process.

    Each jti is remembered, so that the control API can revoke or expire every token issued so far while later ones
    stay valid; ``issued`` keeps every token, for the tests' secret scan.
    """

    REVOKED, EXPIRED = "revoked", "expired"

    def __init__(self, ttl: int):
        self.ttl = ttl
        self.issued: list[str] = []
        self._key = secrets.token_bytes(32)
        self._status: dict[str, str] = {}
        self._lock = threading.Lock()

    def _signature(self, signing_input: str) -> str:
        return _b64url(hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest())

    def issue(self, userpool_id: str) -> str:
        now = int(time.time())
        claims = {"scoped_userpool_id": userpool_id, "iat": now, "exp": now + self.ttl, "jti": uuid.uuid4().hex,
                  "iss": "genauth-emulator"}
        signing_input = ".".join(_b64url(json.dumps(part, separators=(",", ":")).encode())
                                 for part in ({"alg": "HS256", "typ": "JWT"}, claims))
        token = f"{signing_input}.{self._signature(signing_input)}"
        with self._lock:
            self._status[claims["jti"]] = "active"
            self.issued.append(token)
        return token

    def mark_all(self, status: str) -> int:
        """Set every token issued so far to REVOKED or EXPIRED; returns how many."""
        with self._lock:
            self._status = dict.fromkeys(self._status, status)
            return len(self._status)

    def verify(self, token: str) -> dict:
        """The claims of a valid token, else the 401 ApiError the API answers."""
        parts = token.split(".")
        if len(parts) != 3:
            raise _invalid_token("malformed JWT")
        try:
            header, claims = _b64url_json(parts[0]), _b64url_json(parts[1])
        except ValueError:
            raise _invalid_token("malformed JWT") from None
        if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
            raise _invalid_token("unsupported JWT")
        if not hmac.compare_digest(parts[2].encode(), self._signature(parts[0] + "." + parts[1]).encode()):
            raise _invalid_token("bad signature")
        with self._lock:
            status = self._status.get(claims.get("jti"))  # known: this process signed it
        if status == self.REVOKED:
            raise ApiError(401, "Access token has been revoked", Code.TOKEN_REVOKED)
        if status == self.EXPIRED or not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
            raise ApiError(401, "Access token has expired", Code.TOKEN_EXPIRED)
        return claims


# --------------------------------------------------------------------------- faults


FAULT_KINDS = ("http_status", "http_401", "envelope_status", "delay", "html", "invalid_json", "drop", "truncate")
ENVELOPE_FAULT_MESSAGES = {429: "Too many requests, please try again later", 500: "Internal server error",
                           502: "Bad gateway", 503: "Service temporarily unavailable"}


@dataclass
class Fault:
    """One injected fault, which ``count`` calls of ``endpoint`` consume.

    Phase ``before`` answers the fault instead of processing the call; ``after`` processes it (a trigger delivers),
    then answers the fault. A ``delay`` only waits, then lets the call be answered.
    """

    endpoint: str
    kind: str
    count: int = 1
    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    phase: str = "before"
    text: str | None = None  # http_status only: answer this text instead of JSON

    @classmethod
    def from_request(cls, spec) -> "Fault":
        """The fault a control-API request asks for; ValueError says what is wrong with it."""
        _serving.check_fields(spec, [f.name for f in fields(cls)], "fault")
        endpoint, kind, status, phase = spec.get("endpoint"), spec.get("kind"), spec.get("status"), spec.get("phase")
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if phase not in (None, "before", "after"):
            raise ValueError("phase must be 'before' or 'after'")
        if kind == "http_401":
            kind, status = "http_status", 401
        if status is None:
            status = {"http_status": 500, "envelope_status": 500, "html": 502}.get(kind)
        if status is not None:  # an HTTP status, or any business statusCode
            status = _serving.number({"status": status}, "status", None, 100,
                                     599 if kind in ("http_status", "html") else 999, whole=True)
        optional = {name: str(spec[name]) for name in ("retry_after", "text") if spec.get(name) is not None}
        return cls(endpoint, kind, _serving.number(spec, "count", 1, 1, whole=True), status,
                   delay=float(_serving.number(spec, "delay", 0, 0)), phase=phase or "before", **optional)

    def reply(self) -> Reply | None:
        """The injected answer; None closes the connection without one (``drop``)."""
        headers = {} if self.retry_after is None else {"Retry-After": self.retry_after}
        reason = _reason(self.status)
        if self.kind == "drop":
            return None
        if self.kind == "truncate":  # the headers announce a whole success envelope; half of it arrives
            return json_reply(success_envelope({"response": "x" * 64}), truncate=True)
        if self.kind == "envelope_status":
            return json_reply({"statusCode": self.status, "apiCode": self.status, "requestId": new_request_id(),
                               "message": ENVELOPE_FAULT_MESSAGES.get(self.status, "Injected error")},
                              headers=headers)
        if self.kind == "html":
            page = (f"<html>\r\n<head><title>{self.status} {reason}</title></head>\r\n<body>\r\n"
                    f"<center><h1>{self.status} {reason}</h1></center>\r\n"
                    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
            return Reply(self.status, page.encode(), "text/html", headers)
        if self.kind == "invalid_json":
            return Reply(200, b'{"statusCode": 200, "message": "Operation succ', headers=headers)
        if self.text is not None:
            return Reply(self.status, self.text.encode(), "text/plain; charset=utf-8", headers)
        return json_reply({"statusCode": self.status, "message": reason, "error": reason}, self.status, headers)


def _reason(status: int | None) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --------------------------------------------------------------------------- state


class Store:
    """All the emulator's state: the user pools, the webhooks (each owned by one pool), their delivery logs, the
    tokens, pending faults, the request log and the API latency, under ``lock``. ``reset()`` restores the seed, and
    keeps the tokens."""

    def __init__(self, seed: dict, log_file: str | None, api_latency: float, token_ttl: int,
                 delivery_timeout: float):
        self.lock = threading.RLock()
        self.issuer = TokenIssuer(token_ttl)
        self.delivery_timeout = delivery_timeout
        self._seed, self._log_file, self._api_latency = seed, log_file, api_latency
        self.generation = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.userpools = {pool["id"]: pool["accessKeySecret"] for pool in self._seed.get("userpools", [])}
            self.webhooks: dict[str, dict] = {}
            for hook in self._seed.get("webhooks", []):
                self.add_webhook(hook)
            self.logs: list[dict] = []
            self.faults: list[Fault] = []
            self.requests: list[dict] = []
            # How long every API call waits: loopback lacks the network's and the real API's own time.
            self.api_latency = self._api_latency
            # A request still in flight at a reset (a slow "delay" fault) belongs to the test before it: each entry
            # carries the generation it arrived in, and a stale one is not logged.
            self.generation += 1

    def add_webhook(self, given: dict, userpool_id: str | None = None) -> dict:
        """A new webhook of ``userpool_id`` (else of ``given["userpoolId"]``) from the fields given, unchecked: the
        seed and the control API give any, create-webhook the ones it checked. The caller holds the lock."""
        stamp = now_iso()
        record = {"userpoolId": userpool_id or given["userpoolId"],
                  "webhookId": given.get("webhookId") or new_object_id(),
                  "createdAt": given.get("createdAt") or stamp, "updatedAt": given.get("updatedAt") or stamp,
                  "name": given.get("name", ""), "url": given.get("url", ""),
                  "contentType": given.get("contentType") or "application/json",
                  "enabled": given.get("enabled", True), "events": list(given.get("events") or ["test"]),
                  "secret": given.get("secret") or ""}
        self.webhooks[record["webhookId"]] = record
        return record

    def owns(self, userpool_id: str, webhook_id: str) -> bool:
        return self.webhooks.get(webhook_id, {}).get("userpoolId") == userpool_id

    def webhook(self, userpool_id: str, webhook_id: str) -> dict:
        """The pool's webhook: another pool's is as invisible as a missing one. The caller holds the lock."""
        if not self.owns(userpool_id, webhook_id):
            raise ApiError(404, "Webhook not found", Code.NOT_FOUND)
        return self.webhooks[webhook_id]

    def take_fault(self, endpoint: str) -> Fault | None:
        """Consume one count of the oldest fault for ``endpoint``."""
        with self.lock:
            for fault in self.faults:
                if fault.endpoint == endpoint:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return replace(fault, count=1)
        return None

    def record_request(self, entry: dict) -> None:
        with self.lock:
            if entry.pop("generation") != self.generation:
                return
            self.requests.append(entry)
            if self._log_file:
                with open(self._log_file, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry) + "\n")

    def snapshot(self) -> dict:
        with self.lock:
            return {"userpools": sorted(self.userpools), "webhooks": [dict(r) for r in self.webhooks.values()],
                    "logs": list(self.logs), "faults": [asdict(f) for f in self.faults]}


def dto(record: dict) -> dict:
    """The WebhookDto the API returns: the record without its owner."""
    return {key: value for key, value in record.items() if key != "userpoolId"}


# --------------------------------------------------------------------------- validation


def required_string(params: dict, name: str) -> str:
    value = params.get(name)
    if value is None:
        raise invalid(f"{name} is required")
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"{name} must be a non-empty string")
    return value


def optional_object(params: dict, name: str) -> dict | None:
    """None (absent or null: the API takes both as not given) or a JSON object."""
    value = params.get(name)
    if value is not None and not isinstance(value, dict):
        raise invalid(f"{name} must be an object")
    return value


def page_of(items: list, params: dict, from_query: bool = False) -> dict:
    """The page asked for: page >= 1 (1 by default), limit 1..50 (10); in a query string they are text."""
    bounds = {}
    for name, default, upper in (("page", 1, None), ("limit", 10, 50)):
        value = default if params.get(name) is None else params[name]
        if from_query and isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(f"{name} must be an integer")
        if value < 1 or (upper is not None and value > upper):
            raise invalid(f"{name} must be between 1 and {upper}" if upper else f"{name} must be >= 1")
        bounds[name] = value
    start = (bounds["page"] - 1) * bounds["limit"]
    return {"totalCount": len(items), "list": items[start:start + bounds["limit"]]}


def _url(params: dict, name: str) -> str:
    url = required_string(params, name)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", url):
        raise invalid("url must be a valid http or https URL")
    return url


def _events(params: dict, name: str) -> list:
    events = params[name]
    if not isinstance(events, list) or not events or not all(isinstance(event, str) for event in events):
        raise invalid("events must be a non-empty list of event names")
    unknown = [event for event in events if event not in EVENT_NAMES]
    if unknown:
        raise invalid(f"Unknown event: {unknown[0]}")
    return list(dict.fromkeys(events))


def _content_type(params: dict, name: str) -> str:
    if params[name] not in CONTENT_TYPES:
        raise invalid("contentType must be one of: " + ", ".join(CONTENT_TYPES))
    return params[name]


def _of_type(kind: type, what: str) -> Callable[[dict, str], object]:
    def check(params: dict, name: str):
        if not isinstance(params[name], kind):
            raise invalid(f"{name} must be {what}")
        return params[name]
    return check


# How each field of a webhook is checked when a create or an update gives it (not null).
WEBHOOK_FIELDS = {"name": required_string, "url": _url, "events": _events, "contentType": _content_type,
                  "enabled": _of_type(bool, "a boolean"), "secret": _of_type(str, "a string")}
REQUIRED_WEBHOOK_FIELDS = ("name", "url", "events", "contentType")


def webhook_fields(params: dict, required: bool) -> dict:
    """The fields of a create or update that are given, checked."""
    for name in REQUIRED_WEBHOOK_FIELDS if required else ():
        if params.get(name) is None:
            raise invalid(f"{name} is required")
    return {name: check(params, name) for name, check in WEBHOOK_FIELDS.items() if params.get(name) is not None}


def delivery_headers(given: dict | None) -> dict:
    """requestHeaders checked, scalar values turned into header text."""
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
        if any(char in value for char in "\r\n\0"):
            raise invalid(f"requestHeaders.{name} contains a forbidden character")
        headers[name] = value
    return headers


# --------------------------------------------------------------------------- delivery


def is_loopback_host(host: str | None) -> bool:
    """Only ``localhost`` and literal loopback IPs count: no name is looked up."""
    try:
        return bool(host) and (host.lower() == "localhost" or ipaddress.ip_address(host).is_loopback)
    except ValueError:
        return False


def encode_delivery_body(body: dict, content_type: str) -> bytes:
    if content_type == "application/x-www-form-urlencoded":
        # A nested value has no form encoding: it travels as JSON.
        return urllib.parse.urlencode({key: value if isinstance(value, str) else json.dumps(value)
                                       for key, value in body.items()}).encode()
    return json.dumps(body).encode()


def deliver(store: Store, webhook: dict, given_headers: dict, body: dict):
    """POST the webhook to its subscriber and log the delivery; returns the subscriber's JSON answer, or its text.

    Raises ApiError 601 (refused or unreachable) or 603 (timed out).
    """
    url, timeout = webhook["url"], store.delivery_timeout
    parts = urllib.parse.urlsplit(url)
    headers = {name: value for name, value in given_headers.items()
               if name.lower() not in PROTECTED_DELIVERY_HEADERS}
    headers.update({"User-Agent": DELIVERY_USER_AGENT, **dict.fromkeys(DELIVERY_SECRET_HEADERS, webhook["secret"]),
                    "x-authing-userpool-id": webhook["userpoolId"], "Content-Type": webhook["contentType"]})
    log = {"webhookId": webhook["webhookId"], "eventName": body.get("eventName") or "test", "requestBody": body,
           "requestHeaders": headers, "responseStatusCode": None, "responseHeaders": {}, "responseBody": "",
           "timestamp": now_iso(), "success": False, "errorMessage": None}
    try:
        if not is_loopback_host(parts.hostname):  # the safety net: tests never send traffic off the machine
            raise ApiError(601, f"Refused to deliver to {parts.hostname!r}: the emulator only delivers to loopback "
                                "addresses (127.0.0.0/8, ::1, localhost)", Code.DELIVERY_FAILED)
        # http.client rather than urllib: no proxy from the environment and no redirect can take it off loopback.
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.hostname, parts.port, timeout=timeout)
        try:
            connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                               body=encode_delivery_body(body, webhook["contentType"]), headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (TimeoutError, socket.timeout):
            raise ApiError(603, f"Webhook request to {url} timed out after {timeout:g} seconds",
                           Code.DELIVERY_TIMEOUT) from None
        except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as exc:
            # ValueError: a header value HTTP cannot carry (not Latin-1, CR or LF); nothing was sent.
            raise ApiError(601, f"Webhook request to {url} failed: {exc.__class__.__name__}: {exc}",
                           Code.DELIVERY_FAILED) from None
        finally:
            connection.close()
        log.update(responseStatusCode=response.status, responseHeaders=dict(response.getheaders()),
                   responseBody=text, success=200 <= response.status < 300)
    except ApiError as err:
        log["errorMessage"] = err.message
        raise
    finally:
        with store.lock:
            store.logs.append(log)
    try:
        return json.loads(text)
    except ValueError:
        return text


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Endpoint:
    method: str
    func: Callable[..., object]
    fields: frozenset
    auth: bool
    success_message: str
    locked: bool


ENDPOINTS: dict[str, Endpoint] = {}


def api(name: str, method: str, fields=(), auth: bool = True, success_message: str = "Operation successful",
        locked: bool = True):
    """Register a function of (the store, the caller's user pool, the request's parameters) that returns the data of
    the success envelope. A ``locked`` one runs under the store's lock: every one but the trigger, which must not
    hold it while it delivers."""
    def register(func):
        ENDPOINTS[name] = Endpoint(method, func, frozenset(fields), auth, success_message, locked)
        return func
    return register


@api("get-management-token", "POST", {"accessKeyId", "accessKeySecret"}, auth=False, success_message="")
def get_management_token(store: Store, _pool, params: dict):
    for name in ("accessKeyId", "accessKeySecret"):
        if params.get(name) is None:
            raise invalid(f"{name} is required")
        if not isinstance(params[name], str):
            raise invalid(f"{name} must be a string")
    expected = store.userpools.get(params["accessKeyId"])
    if expected is None or not hmac.compare_digest(expected.encode(), params["accessKeySecret"].encode()):
        raise ApiError(401, "Invalid accessKeyId or accessKeySecret", Code.BAD_CREDENTIALS)
    return {"access_token": store.issuer.issue(params["accessKeyId"]), "expires_in": store.issuer.ttl}


@api("trigger-webhook", "POST", {"webhookId", "requestHeaders", "requestBody"}, locked=False)
def trigger_webhook(store: Store, pool: str, params: dict):
    webhook_id = required_string(params, "webhookId")
    headers = delivery_headers(optional_object(params, "requestHeaders"))
    body = optional_object(params, "requestBody") or {}
    with store.lock:
        webhook = dict(store.webhook(pool, webhook_id))
    # A manual trigger delivers even when the webhook is disabled.
    return {"response": deliver(store, webhook, headers, body)}


@api("get-webhook", "GET", {"webhookId"})
def get_webhook(store: Store, pool: str, params: dict):
    return dto(store.webhook(pool, required_string(params, "webhookId")))


@api("list-webhooks", "GET", {"page", "limit"})
def list_webhooks(store: Store, pool: str, params: dict):
    return page_of([dto(r) for r in store.webhooks.values() if r["userpoolId"] == pool], params, from_query=True)


@api("create-webhook", "POST", WEBHOOK_FIELDS)
def create_webhook(store: Store, pool: str, params: dict):
    return dto(store.add_webhook(webhook_fields(params, required=True), pool))


@api("update-webhook", "POST", {"webhookId", *WEBHOOK_FIELDS})
def update_webhook(store: Store, pool: str, params: dict):
    webhook_id = required_string(params, "webhookId")
    changes = webhook_fields(params, required=False)
    record = store.webhook(pool, webhook_id)
    record.update(changes, updatedAt=now_iso())
    return dto(record)


@api("delete-webhook", "POST", {"webhookIds"})
def delete_webhook(store: Store, pool: str, params: dict):
    ids = params.get("webhookIds")
    if ids is None:
        raise invalid("webhookIds is required")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise invalid("webhookIds must be a list of non-empty strings")
    for webhook_id in ids:
        if store.owns(pool, webhook_id):
            del store.webhooks[webhook_id]


@api("get-webhook-logs", "POST", {"webhookId", "page", "limit"})
def get_webhook_logs(store: Store, pool: str, params: dict):
    webhook_id = required_string(params, "webhookId")
    # Newest first; an unknown id just has none, as documented.
    owned = store.owns(pool, webhook_id)
    return page_of([log for log in reversed(store.logs) if owned and log["webhookId"] == webhook_id], params)


@api("get-webhook-event-list", "GET")
def get_webhook_event_list(_store, _pool, _params):
    return {"categories": EVENT_CATEGORIES, "events": EVENTS}


# --------------------------------------------------------------------------- HTTP


class EmulatorHandler(_serving.BaseHandler):
    """/api/v3/<endpoint> answered by ENDPOINTS, /__emulator__/<route> by the control API."""

    server_version = "genauth-emulator/1.0"
    control_prefix = "/__emulator__/"
    store: Store  # set on a subclass by main(): shared by every handler thread

    def too_large_reply(self) -> Reply:
        return json_reply(ApiError(413, "Request body too large", Code.PAYLOAD_TOO_LARGE).envelope())

    def serve(self, url, body: bytes) -> None:
        name = url.path[len(API_PREFIX):] if url.path.startswith(API_PREFIX) else None
        entry = {"timestamp": time.time(), "method": self.command, "path": url.path, "query": url.query,
                 "headers": self.header_dict(), "body": body.decode("utf-8", errors="replace"),
                 "endpoint": name if name in ENDPOINTS else None, "generation": self.store.generation}
        if name is not None and self.store.api_latency:
            time.sleep(self.store.api_latency)
        reply = self._answer(name, url.query, body)
        entry["httpStatus"] = reply.status if reply else None
        entry["statusCode"] = (reply.envelope_status or reply.status) if reply else None
        self.store.record_request(entry)
        self.send_reply(reply)

    def _answer(self, name: str | None, query: str, body: bytes) -> Reply | None:
        """Answer one API call, with the fault injected for it, if any."""
        if name not in ENDPOINTS:
            return json_reply({"statusCode": 404, "message": f"Cannot {self.command} {self.path}",
                               "error": "Not Found"}, 404)
        fault = self.store.take_fault(name)
        answer = None
        if fault and fault.phase == "after":
            answer = self._process(ENDPOINTS[name], query, body)  # processed: a trigger delivers
        if fault and fault.kind == "delay":
            time.sleep(fault.delay)
        elif fault:
            return fault.reply()  # before: the call is not processed at all; after: its answer is lost
        return answer or self._process(ENDPOINTS[name], query, body)

    def _process(self, endpoint: Endpoint, query: str, body: bytes) -> Reply:
        if self.command != endpoint.method:
            return json_reply({"statusCode": 405, "message": f"Method {self.command} not allowed",
                               "error": "Method Not Allowed"}, 405, {"Allow": endpoint.method})
        try:
            pool = self._authenticate() if endpoint.auth else None
            if endpoint.method == "GET":
                params = {key: values[-1] for key, values in
                          urllib.parse.parse_qs(query, keep_blank_values=True).items()}
            else:
                params = self._json_body(body)
            unknown = [name for name in params if name not in endpoint.fields]
            if unknown:
                raise invalid(f"Unknown field: {unknown[0]}")
            with self.store.lock if endpoint.locked else contextlib.nullcontext():
                data = endpoint.func(self.store, pool, params)
            return json_reply(success_envelope(data, endpoint.success_message))
        except ApiError as err:
            return json_reply(err.envelope())

    def _authenticate(self) -> str:
        """The caller's user pool, from a valid bearer token; else a 401 or 403 ApiError."""
        authorization = (self.headers.get("authorization") or "").strip()
        if not authorization:
            raise ApiError(401, "Missing authorization header: a Bearer access token is required",
                           Code.TOKEN_MISSING)
        scheme, _sep, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _invalid_token("authorization must be 'Bearer <token>'")
        pool = self.store.issuer.verify(token.strip()).get("scoped_userpool_id")
        for header in ("x-genauth-userpool-id", "x-authing-userpool-id"):
            value = self.headers.get(header)
            if value is not None and value.strip() != pool:
                raise ApiError(403, f"{header} does not match the user pool of the access token",
                               Code.USERPOOL_MISMATCH)
        return pool

    def _json_body(self, body: bytes) -> dict:
        if (self.headers.get("content-type") or "").split(";")[0].strip().lower() != "application/json":
            raise invalid("Content-Type must be application/json")
        try:
            params = json.loads(body.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError too
            raise invalid("Request body is not valid JSON") from None
        if not isinstance(params, dict):
            raise invalid("Request body must be a JSON object")
        return params

    # The control API: plain JSON, and never in the request log.

    def control_routes(self) -> dict:
        store, issuer = self.store, self.store.issuer
        return {
            ("POST", "faults"): self._add_fault,
            ("GET", "faults"): lambda _: {"faults": store.snapshot()["faults"]},
            ("POST", "tokens/revoke"): lambda _: {"revoked": issuer.mark_all(TokenIssuer.REVOKED)},
            ("POST", "tokens/expire"): lambda _: {"expired": issuer.mark_all(TokenIssuer.EXPIRED)},
            ("GET", "tokens"): lambda _: {"tokens": list(issuer.issued)},
            ("GET", "requests"): lambda _: {"requests": list(store.requests)},
            ("POST", "reset"): lambda _: store.reset(),
            ("POST", "webhooks"): self._add_webhooks,
            ("POST", "events"): self._emit_event,
            ("POST", "config"): self._configure,
            ("GET", "config"): lambda _: {"api_latency": store.api_latency},
            ("GET", "state"): lambda _: store.snapshot(),
        }

    def _add_fault(self, spec) -> dict:
        fault = Fault.from_request(spec)
        with self.store.lock:
            self.store.faults.append(fault)
        return {"ok": True, "fault": asdict(fault)}

    def _add_webhooks(self, spec) -> dict:
        """{"webhooks": [{"userpoolId": ..., <WebhookDto fields>}]}, added as the seed's are, without a request
        each: many webhooks, for the tests of paging. The next reset removes them."""
        hooks = spec.get("webhooks") if isinstance(spec, dict) else None
        if not isinstance(hooks, list) or not all(isinstance(h, dict) and h.get("userpoolId") for h in hooks):
            raise ValueError("webhooks must be a list of objects, each with a userpoolId")
        with self.store.lock:
            return {"ok": True, "webhookIds": [self.store.add_webhook(hook)["webhookId"] for hook in hooks]}

    def _emit_event(self, spec) -> dict:
        """{"userpoolId": ..., "eventName": ..., "data": {...}}: what GenAuth does when the event happens in that user
        pool. Each of the pool's enabled webhooks that subscribes to the event gets {"eventName", "data"}, one after
        the other, as a trigger delivers it; the answer lists each webhookId with the subscriber's answer (as
        trigger-webhook returns it) or the error that kept it from being delivered."""
        _serving.check_fields(spec, ["userpoolId", "eventName", "data"], "event")
        pool, name, event_data = spec.get("userpoolId"), spec.get("eventName"), spec.get("data", {})
        if pool not in self.store.userpools:
            raise ValueError(f"unknown userpoolId {pool!r}")
        if name not in EVENT_NAMES:
            raise ValueError(f"unknown eventName {name!r}")
        if not isinstance(event_data, dict):
            raise ValueError("data must be a JSON object")
        with self.store.lock:
            hooks = [dict(hook) for hook in self.store.webhooks.values()
                     if hook["userpoolId"] == pool and hook["enabled"] and name in hook["events"]]
        deliveries = []
        for hook in hooks:
            try:
                outcome = {"response": deliver(self.store, hook, {}, {"eventName": name, "data": event_data})}
            except ApiError as err:
                outcome = {"error": err.message}
            deliveries.append({"webhookId": hook["webhookId"], **outcome})
        return {"deliveries": deliveries}

    def _configure(self, spec) -> dict:
        """{"api_latency": seconds}: how long every API call waits, until the next reset."""
        _serving.check_fields(spec, ["api_latency"], "config")
        self.store.api_latency = float(_serving.number(spec, "api_latency", self.store.api_latency, 0, 60))
        return {"api_latency": self.store.api_latency}


def load_seed(path: str | None) -> dict:
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    receiver = os.environ.get("RECEIVER_URL")
    if receiver is not None:
        text = text.replace("${RECEIVER_URL}", json.dumps(receiver)[1:-1])
    return json.loads(text)


def main(argv: list[str] | None = None) -> int:
    parser = _serving.arguments(__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--seed", help="JSON file with userpools and webhooks")
    parser.add_argument("--tls-cert", help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--token-ttl", type=int, default=7200, help="token lifetime in seconds")
    parser.add_argument("--delivery-timeout", type=float, default=DEFAULT_DELIVERY_TIMEOUT,
                        help="seconds to wait for a webhook subscriber")
    parser.add_argument("--log-file", help="append every API request as one JSON line")
    parser.add_argument("--api-latency", type=float, default=0.0,
                        help="seconds every API call waits before it is processed (the control API's config route "
                             "changes it until the next reset)")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    store = Store(load_seed(args.seed), args.log_file, args.api_latency, args.token_ttl, args.delivery_timeout)
    handler = type("BoundEmulatorHandler", (EmulatorHandler,), {"store": store})
    return _serving.run_server("genauth emulator", handler, args, args.tls_cert, args.tls_key)


if __name__ == "__main__":
    sys.exit(main())

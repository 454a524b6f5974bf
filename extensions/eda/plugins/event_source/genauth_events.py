# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An Event-Driven Ansible event source that receives GenAuth's webhook deliveries (ansible-rulebook runs it)."""

from __future__ import annotations

import asyncio
import fnmatch
import hmac
import json
import logging
import os
import ssl
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DOCUMENTATION = r"""
---
short_description: Receive GenAuth's webhook deliveries as events
description:
  - An ansible-rulebook event source that listens for the webhooks GenAuth (or Authing) delivers, such as
    C(user:created), C(login), C(role:assigned) or C(application:secret-refreshed), and puts each delivery on
    the rulebook's event queue.
  - Declare the webhook with M(genauth.management.genauth_webhook), its C(url) pointing at this source and its
    C(secret) the one given here.
  - GenAuth signs nothing; it sends the webhook's secret itself, in C(x-authing-webhook-secret) (older
    deployments also in C(x-authing-token) or C(x-genauth-token)). A delivery whose secret does not match O(secret)
    is answered HTTP 401 and nothing is queued. Each value sent is compared in constant time.
  - The body is a JSON object or, for a webhook whose content type is C(application/x-www-form-urlencoded), a
    form; form values that are JSON objects or arrays are decoded. Any other body is answered HTTP 400, a body
    larger than O(max_body_size) HTTP 413, and a method other than C(POST) HTTP 405. The source keeps serving
    after each of them.
  - A delivery whose C(eventName) is not in O(events) is answered HTTP 200, so that GenAuth records no failed
    delivery, and is not queued.
  - 'Each accepted delivery is queued once, then answered HTTP 200 with C({"queued": true}). The rulebook''s queue
    is small; while it is full, deliveries wait for room rather than being dropped.'
  - "The event holds C(payload): the body as GenAuth sent it (C(eventName), C(data), ...), or the C(request_body)
    of a manual trigger; and C(meta): C(endpoint) (the URL path, without its leading C(/)), C(headers) (names in
    lower case), and C(userpool_id) (from C(x-authing-userpool-id), else C(x-genauth-userpool-id); null when
    neither is sent)."
  - The secret-bearing headers (C(x-authing-webhook-secret), C(x-authing-token), C(x-genauth-token),
    C(x-genauth-webhook-secret)), C(Authorization) and C(Proxy-Authorization) are never passed on in
    C(meta.headers), nor logged.
  - Arguments given through C(--vars) or C(--env-vars) templates arrive as text or as numbers; every argument
    accepts the text of its value (a port as V("5000"), a boolean as V("true"), O(events) as V("login,user:created")).
  - Requires the C(aiohttp) Python package, which ansible-rulebook installs.
options:
  host:
    description:
      - The address to listen on.
    type: str
    default: "0.0.0.0"
  port:
    description:
      - The TCP port to listen on.
    type: int
    default: 5000
  secret:
    description:
      - The webhook's secret, as declared with the O(genauth.management.genauth_webhook#module:secret) option.
      - Required, unless O(allow_unauthenticated=true).
      - Give it through C(--env-vars) or C(--vars) (V("{{ GENAUTH_EVENTS_SECRET }}")), never written in the
        rulebook itself, since ansible-rulebook prints the rulebook's source arguments as written at C(-vv).
      - ansible-rulebook's templates turn a value that looks like a number into one, and not always back into the
        same text (V(0x1F) becomes V(31)); a secret that arrives as a number is refused. Use O(secret_env) for such
        a secret, or for any secret, to read it untouched.
      - Cannot be combined with O(secret_env).
    type: str
  secret_env:
    description:
      - The name of an environment variable of ansible-rulebook's process that holds the webhook's secret, read as
        it is (no template touches it). The variable must be set and not empty.
    type: str
  allow_unauthenticated:
    description:
      - Start without O(secret) and queue every delivery, whoever sends it. Anyone who can reach the port can then
        trigger the rulebook's rules; use it only where nothing but GenAuth can reach the source.
      - Cannot be combined with O(secret).
    type: bool
    default: false
  events:
    description:
      - The names of the events to queue, such as V(user:created); shell-style wildcards match several
        (V(user:*)).
      - A delivery whose C(eventName) matches none of them (or that has no C(eventName)) is answered HTTP 200 and
        not queued.
      - Not given, or empty, queues every event.
    type: list
    elements: str
  max_body_size:
    description:
      - The largest body accepted, in bytes; a larger one is answered HTTP 413.
    type: int
    default: 1048576
  certfile:
    description:
      - A PEM certificate chain, to serve HTTPS with.
    type: str
  keyfile:
    description:
      - The private key of O(certfile), when the certificate file does not hold it.
    type: str
  password:
    description:
      - The password of the private key, when it is encrypted. Refused when it arrives as a number, as O(secret);
        use O(password_env) then.
    type: str
  password_env:
    description:
      - The name of an environment variable that holds O(password), read as it is.
    type: str
  cafile:
    description:
      - PEM certificates of the authorities whose client certificates are accepted. With it, a client without
        such a certificate cannot connect. Needs O(certfile).
    type: str
notes:
  - The rules see C(event.payload) and C(event.meta); ansible-rulebook adds C(meta.source), C(meta.received_at)
    and C(meta.uuid).
  - GenAuth's own delivery timeout is not documented, so the source answers as soon as an event is queued; do the
    work in the rule's action.
"""

EXAMPLES = r"""
- name: React to GenAuth's user events
  hosts: all
  sources:
    - genauth.management.genauth_events:
        host: 0.0.0.0
        port: "{{ GENAUTH_EVENTS_PORT }}"
        secret: "{{ GENAUTH_EVENTS_SECRET }}"
        events:
          - user:created
          - application:secret-refreshed
  rules:
    - name: Provision the accounts of a new user
      condition: event.payload.eventName == "user:created"
      action:
        run_playbook:
          name: provision_user.yml
          extra_vars:
            genauth_user: "{{ event.payload.data }}"

- name: Serve HTTPS, and accept only clients with a certificate of our CA
  hosts: all
  sources:
    - genauth.management.genauth_events:
        port: 8443
        secret: "{{ GENAUTH_EVENTS_SECRET }}"
        certfile: /etc/eda/tls/server.pem
        keyfile: /etc/eda/tls/server.key
        cafile: /etc/eda/tls/clients-ca.pem
  rules:
    - name: Show every event
      condition: event.payload is defined
      action:
        print_event:
          pretty: true
"""

LOGGER = logging.getLogger("genauth.management.genauth_events")

DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 5000
MAX_BODY_SIZE = 1024 * 1024
# Where GenAuth puts the webhook's secret: the delivery guide's header, then the names older docs and delivery logs
# show. None of them, nor the credentials of other schemes, ever reaches a rule.
SECRET_HEADERS = ("x-authing-webhook-secret", "x-authing-token", "x-genauth-token")
# Also the name some of GenAuth's docs give the secret header (the modules mask it in delivery logs too).
HIDDEN_HEADERS = frozenset(SECRET_HEADERS + ("x-genauth-webhook-secret", "authorization", "proxy-authorization"))
USERPOOL_HEADERS = ("x-authing-userpool-id", "x-genauth-userpool-id")
FORM = "application/x-www-form-urlencoded"
ARGUMENTS = ("host", "port", "secret", "secret_env", "allow_unauthenticated", "events", "max_body_size", "certfile",
             "keyfile", "password", "password_env", "cafile")
# How long a stop waits for the deliveries in progress; one still waiting for room in the queue then ends without an
# answer, so that GenAuth sees it fail rather than lost.
SHUTDOWN_TIMEOUT = 1.0
TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0", "")


class BadDelivery(Exception):
    """A delivery answered with an HTTP error: ``status`` and a message that names no secret."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- arguments


def _text(args: dict, name: str, default: str | None = None, exact: bool = False) -> str | None:
    """A text argument; a number a template made of digits taken as its text, unless ``exact`` (a secret, whose
    text the number may not give back)."""
    value = args.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if exact:
            raise ValueError(f"genauth_events: {name} arrived as a number, which may not be its text (a template "
                             f"turns 0x1F into 31): give its environment variable's name in {name}_env instead")
        if isinstance(value, int):
            return str(value)  # a template turned digits into a number
    if not isinstance(value, str):
        raise ValueError(f"genauth_events: {name} must be text, not {type(value).__name__}")
    return value


def _secret(args: dict, name: str) -> str | None:
    """``name`` given itself, or read from the environment variable that ``name``_env names."""
    variable = _text(args, name + "_env")
    if variable is None:
        return _text(args, name, exact=True)
    if _text(args, name, exact=True) is not None:
        raise ValueError(f"genauth_events: give either {name} or {name}_env, not both")
    value = os.environ.get(variable)
    if not value:
        raise ValueError(f"genauth_events: {name}_env names {variable}, which is not set or empty")
    return value


def _no_password():
    raise ValueError("the private key is encrypted: give password (or password_env)")


def _whole_number(args: dict, name: str, default: int, low: int, high: int | None = None) -> int:
    value = args.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ValueError(f"genauth_events: {name} must be a whole number {bound}, not {args.get(name)!r}")
    return value


def _boolean(args: dict, name: str) -> bool:
    value = args.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
        return value.strip().lower() in TRUE
    raise ValueError(f"genauth_events: {name} must be a boolean (true or false), not {value!r}")


def _patterns(args: dict, name: str) -> tuple[str, ...]:
    value = args.get(name)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError(f"genauth_events: {name} is not a valid JSON list: {text!r}") from None
        else:
            value = [part for part in text.replace(",", " ").split() if part]
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"genauth_events: {name} must be a list of event names, not {value!r}")
    return tuple(item.strip() for item in value)


@dataclass(frozen=True)
class Settings:
    """The source's arguments, checked."""

    host: str
    port: int
    secret: str | None = field(repr=False)
    events: tuple[str, ...]
    max_body_size: int
    certfile: str | None
    keyfile: str | None
    password: str | None = field(repr=False)
    cafile: str | None

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> Settings:
        """The settings of ``args``, or ValueError naming the argument (never a secret's value)."""
        unknown = sorted(name for name in args if name not in ARGUMENTS and not name.startswith("eda_"))
        if unknown:
            LOGGER.warning("genauth_events: ignoring unknown argument(s): %s", ", ".join(unknown))
        secret, open_to_all = _secret(args, "secret"), _boolean(args, "allow_unauthenticated")
        if secret is None and not open_to_all:
            raise ValueError("genauth_events: secret is required (the webhook's secret, as declared with "
                             "genauth.management.genauth_webhook); allow_unauthenticated: true starts without one "
                             "and queues whatever anyone posts")
        if secret is not None and open_to_all:
            raise ValueError("genauth_events: give either secret or allow_unauthenticated: true, not both")
        settings = cls(host=_text(args, "host", DEFAULT_HOST), port=_whole_number(args, "port", DEFAULT_PORT, 0, 65535),
                       secret=secret, events=_patterns(args, "events"),
                       max_body_size=_whole_number(args, "max_body_size", MAX_BODY_SIZE, 1),
                       certfile=_text(args, "certfile"), keyfile=_text(args, "keyfile"),
                       password=_secret(args, "password"), cafile=_text(args, "cafile"))
        for name in ("keyfile", "password", "cafile"):
            if getattr(settings, name) is not None and settings.certfile is None:
                raise ValueError(f"genauth_events: {name} needs certfile")
        return settings

    def ssl_context(self) -> ssl.SSLContext | None:
        """The server's TLS context (None for plain HTTP), or ValueError naming the file that failed."""
        if self.certfile is None:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            # Without a password, OpenSSL would ask for one on the terminal.
            context.load_cert_chain(self.certfile, self.keyfile, self.password or _no_password)
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise ValueError(f"genauth_events: cannot load certfile {self.certfile!r}"
                             f"{f' with keyfile {self.keyfile!r}' if self.keyfile else ''}: {exc}") from None
        if self.cafile is not None:
            try:
                context.load_verify_locations(cafile=self.cafile)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(f"genauth_events: cannot load cafile {self.cafile!r}: {exc}") from None
            context.verify_mode = ssl.CERT_REQUIRED
        return context

    def wants(self, event_name) -> bool:
        """Whether an event of this name is queued."""
        if not self.events:
            return True
        return isinstance(event_name, str) and any(fnmatch.fnmatchcase(event_name, p) for p in self.events)


# --------------------------------------------------------------------------- one delivery


def check_secret(headers, secret: str | None) -> None:
    """Pass when a secret header holds ``secret`` (or no secret is expected); else BadDelivery 401.

    Every value sent is compared in constant time, so the answer's timing tells nothing about the secret."""
    if secret is None:
        return
    sent = [value for name in SECRET_HEADERS for value in headers.getall(name, ()) if value]
    if not sent:  # an empty header is how a webhook declared without a secret is delivered
        raise BadDelivery(401, "no secret: GenAuth sends it in x-authing-webhook-secret")
    expected = secret.encode("utf-8")
    matches = [hmac.compare_digest(value.encode("utf-8", "surrogateescape"), expected) for value in sent]
    if not any(matches):
        raise BadDelivery(401, "wrong secret")


def _refuse_constant(constant):
    raise ValueError(f"{constant} is not JSON")


def _json_object(body: bytes) -> dict:
    try:
        value = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadDelivery(400, "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadDelivery(400, "the body is JSON but not an object")
    return value


def _form_value(value: str):
    """A form value; one that is a JSON object or array (how GenAuth sends nested data in a form) decoded."""
    if value.lstrip()[:1] in ("{", "["):  # what parses is then an object or an array
        try:
            return json.loads(value, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            pass
    return value


def parse_body(body: bytes, content_type: str) -> dict:
    """The payload of a delivery: a JSON object, or a form as a dict (a repeated field as a list of its values)."""
    if not body.strip():
        raise BadDelivery(400, "the body is empty")
    if content_type != FORM:
        return _json_object(body)
    try:
        fields = urllib.parse.parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True,
                                        encoding="utf-8", errors="strict")
    except ValueError:  # UnicodeDecodeError too: a form is ASCII, percent-encoding UTF-8
        raise BadDelivery(400, "the body is not a valid form") from None
    grouped: dict = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(_form_value(value))
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}


def shown_headers(headers) -> dict:
    """The headers a rule may see: lower-case names, repeated ones joined by ", ", no secret-bearing one."""
    shown: dict = {}
    for name, value in headers.items():
        key = name.lower()
        if key not in HIDDEN_HEADERS:
            shown[key] = f"{shown[key]}, {value}" if key in shown else value
    return shown


def userpool_id(headers) -> str | None:
    return next((headers[name] for name in USERPOOL_HEADERS if headers.get(name)), None)


class Receiver:
    """The HTTP side of the source: answers each delivery, queuing the accepted ones."""

    def __init__(self, queue: asyncio.Queue, settings: Settings):
        self.queue, self.settings = queue, settings

    async def handle(self, request: web.Request) -> web.Response:
        endpoint = request.match_info.get("endpoint", "")
        try:
            answer = await self._deliver(request, endpoint)
        except BadDelivery as refusal:
            LOGGER.warning("genauth_events: refused a delivery to /%s from %s (HTTP %d): %s", endpoint,
                           request.remote, refusal.status, refusal)
            headers = {"Allow": "POST"} if refusal.status == 405 else None
            return web.json_response({"error": str(refusal)}, status=refusal.status, headers=headers)
        return web.json_response(answer)

    async def _deliver(self, request: web.Request, endpoint: str) -> dict:
        if request.method != "POST":
            raise BadDelivery(405, f"{request.method} is not allowed: GenAuth delivers with POST")
        check_secret(request.headers, self.settings.secret)
        limit = self.settings.max_body_size
        if request.content_length is not None and request.content_length > limit:
            raise BadDelivery(413, f"the body is larger than max_body_size ({limit} bytes)")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:  # a chunked body that grew past client_max_size
            body = None
        if body is None or len(body) > limit:
            raise BadDelivery(413, f"the body is larger than max_body_size ({limit} bytes)")
        payload = parse_body(body, request.content_type)
        event_name = payload.get("eventName")
        if not self.settings.wants(event_name):
            LOGGER.info("genauth_events: not queued: event %.200r is not in events", event_name)
            return {"queued": False, "reason": "event not in events"}
        event = {"payload": payload, "meta": {"endpoint": endpoint, "headers": shown_headers(request.headers),
                                              "userpool_id": userpool_id(request.headers)}}
        # The rulebook's queue is small: wait for room, then answer, so that each delivery is queued exactly once.
        await self.queue.put(event)
        return {"queued": True}


async def main(queue: asyncio.Queue, args: dict[str, Any]) -> None:
    """Serve GenAuth's deliveries until cancelled; ValueError (before listening) when an argument is wrong."""
    settings = Settings.from_args(args)
    context = settings.ssl_context()
    # aiohttp stops reading past its limit (where older releases also refuse a body of exactly that size): the
    # source's own check, after reading, decides.
    app = web.Application(client_max_size=settings.max_body_size + 1)
    app.router.add_route("*", "/{endpoint:.*}", Receiver(queue, settings).handle)
    # handler_cancellation: a delivery whose sender hung up while it waited for room in the queue is never queued
    # (GenAuth counts it failed, and may deliver it again).
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT, handler_cancellation=True)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port, ssl_context=context)
        await site.start()
        scheme = "https" if context else "http"
        LOGGER.info("genauth_events: listening on %s (%s)",
                    ", ".join(f"{scheme}://{address[0]}:{address[1]}" for address in runner.addresses),
                    "the secret checked" if settings.secret else "unauthenticated: every delivery queued")
        await asyncio.Future()  # until ansible-rulebook cancels the source
    finally:
        await runner.cleanup()
        LOGGER.info("genauth_events: stopped")

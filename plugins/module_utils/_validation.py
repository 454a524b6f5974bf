# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""Semantic validation of module options with voluptuous, on top of Ansible's type checks.

Ansible's argument spec declares the types (so ``ansible-doc`` and validate-modules see them); the rules
here say what a value must look like. Validators also normalise (a header value 1 becomes "1", a JSON
string body becomes a dict), so the request is built from what was validated. Every failure names the
option, and the key for dict options: ``request_headers['X-A']: value must not contain CR or LF``.
"""

import json
import math
import os
import re
import traceback
import unicodedata

from urllib.parse import urlsplit, urlunsplit

VOLUPTUOUS_IMPORT_ERROR = None
try:
    from voluptuous import ALLOW_EXTRA, All, Invalid, MultipleInvalid, Optional, Required, Schema
except ImportError:
    VOLUPTUOUS_IMPORT_ERROR = traceback.format_exc()

    # Keep the module importable so it can report the missing library instead of crashing.
    def All(*validators):  # pylint: disable=invalid-name
        return None

    Optional = Required = str  # pylint: disable=invalid-name

from ansible_collections.genauth.management.plugins.module_utils._fanout import MAX_CONCURRENCY
from ansible_collections.genauth.management.plugins.module_utils._retry import MAX_RETRIES

MAX_TIMEOUT = 3600
# A trigger's body travels through GenAuth to the subscriber; 1 MiB is far above any deployment notice
# and keeps a runaway template from posting megabytes.
MAX_BODY_BYTES = 1024 * 1024
MAX_ID_LENGTH = 256
# Webhooks one task may trigger; far above any deployment's, low enough that a wrong variable is caught.
MAX_WEBHOOKS = 1000

# RFC 9110 token characters: what an HTTP header name may contain.
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
# Visible ASCII: what a value sent in one of our own HTTP headers (user pool id, token) may contain.
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+\Z")


def is_header_safe(text):
    """True for a non-empty string of visible ASCII: safe to send in one of our own HTTP headers."""
    return isinstance(text, str) and bool(_HEADER_SAFE.match(text))


def _has_space_or_control(text):
    """Whitespace, or any Unicode control/format character (C0, DEL, C1, zero-width, ...)."""
    return any(char.isspace() or unicodedata.category(char)[0] == "C" for char in text)


class InvalidOptions(ValueError):
    """One or more options broke a rule; the message lists each as ``option[key]: rule``."""


def _fail(msg, *path):
    raise Invalid(msg, path=list(path))


def identifier(value):
    """A non-empty id without whitespace or control characters (webhook ids)."""
    if not isinstance(value, str) or not value:
        _fail("must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        _fail("must be at most %d characters" % MAX_ID_LENGTH)
    if _has_space_or_control(value):
        _fail("must not contain whitespace or control characters")
    return value


def header_identifier(value):
    """An id we send in an HTTP header (the user pool id): visible ASCII only."""
    if value is None:
        return None
    identifier(value)
    if not is_header_safe(value):
        _fail("must contain only visible ASCII characters (it is sent as an HTTP header)")
    return value


def token_text(value):
    """A bearer token: visible ASCII, as it travels in the Authorization header. The value is never quoted."""
    if value is None or value == "":
        return value
    if not is_header_safe(value):
        _fail("must contain only visible ASCII characters, without whitespace (check for a stray newline)")
    return value


def request_headers(value):
    """Header name -> value for the subscriber: valid names, scalar values as strings, no CR/LF/NUL."""
    if value is None:
        return None
    if not isinstance(value, dict):
        _fail("must be a dictionary of header name to value")
    headers = {}
    seen = {}
    for name, raw in value.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            _fail("is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)", name)
        if name.lower() in seen:
            _fail("duplicates header %r (header names are case-insensitive)" % seen[name.lower()], name)
        seen[name.lower()] = name
        headers[name] = _header_value(name, raw)
    return headers


def _header_value(name, raw):
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (int, float)):
        return str(raw)
    if not isinstance(raw, str):
        _fail("value must be a string, number or boolean, not %s" % type(raw).__name__, name)
    if "\r" in raw or "\n" in raw:
        _fail("value must not contain CR or LF", name)
    if "\x00" in raw:
        _fail("value must not contain NUL", name)
    if any(char != "\t" and unicodedata.category(char) == "Cc" for char in raw):
        _fail("value must not contain control characters", name)
    try:
        raw.encode("latin-1")
    except UnicodeEncodeError:
        _fail("value must contain only Latin-1 characters, which is all an HTTP header can carry "
              "(percent-encode other text)", name)
    return raw


def request_body(value):
    """A JSON object: a dict, or a string that parses as one. Returns the dict."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            _fail("must be a JSON object, but the string is not valid JSON (%s)" % exc)
        if not isinstance(value, dict):
            _fail("must be a JSON object, but the string holds a JSON %s" % _json_kind(value))
    if not isinstance(value, dict):
        _fail("must be a JSON object (a dictionary), not %s" % _json_kind(value))
    try:
        size = len(json.dumps(value, allow_nan=False, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        _fail("must contain only JSON values (%s)" % exc)
    if size > MAX_BODY_BYTES:
        _fail("is %d bytes as JSON; the limit is %d bytes" % (size, MAX_BODY_BYTES))
    return value


def _json_kind(value):
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def host_url(value):
    """An http(s) base URL without query, fragment or credentials; trailing slashes dropped, path prefix kept."""
    if not isinstance(value, str) or not value.strip():
        _fail("must be an http or https URL such as https://api.genauth.ai")
    parts = urlsplit(value.strip())
    if _has_space_or_control(value.strip()):
        _fail("must not contain whitespace or control characters")
    if parts.scheme.lower() not in ("http", "https"):
        _fail("must start with http:// or https://")
    if not parts.hostname:
        _fail("must name a host, as in https://api.genauth.ai")
    if parts.username is not None or parts.password is not None:
        _fail("must not contain credentials; use access_key_id and access_key_secret")
    if parts.query or parts.fragment or value.strip().endswith(("?", "#")):
        _fail("must not contain a query string or fragment")
    try:
        parts.port
    except ValueError:
        _fail("has an invalid port")
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path.rstrip("/"), "", ""))


def timeout_seconds(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
        _fail("must be a number of seconds")
    if not 0 < value <= MAX_TIMEOUT:
        _fail("must be greater than 0 and at most %d seconds" % MAX_TIMEOUT)
    return float(value)


def whole_number(low, high):
    """A rule for a whole number from ``low`` to ``high``."""
    def rule(value):
        if isinstance(value, bool) or not isinstance(value, int):
            _fail("must be a whole number")
        if not low <= value <= high:
            _fail("must be between %d and %d" % (low, high))
        return value
    return rule


retry_count = whole_number(0, MAX_RETRIES)
concurrency_count = whole_number(1, MAX_CONCURRENCY)


def ca_file(value):
    if value is None:
        return None
    if not os.path.exists(value):
        _fail("%s does not exist" % value)
    return value


def webhook_items(value):
    """A list of webhooks to trigger, each checked with the rules of a single trigger (webhook_id required)."""
    if value is None:
        return None
    if not isinstance(value, list):
        _fail("must be a list of webhooks, each a dictionary with webhook_id")
    if not value:
        _fail("must list at least one webhook")
    if len(value) > MAX_WEBHOOKS:
        _fail("lists %d webhooks; the limit is %d per task" % (len(value), MAX_WEBHOOKS))
    item_schema = Schema(ITEM_RULES, extra=ALLOW_EXTRA)
    items, errors = [], []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            errors.append(Invalid("must be a dictionary with webhook_id", path=[index]))
            continue
        try:
            items.append(item_schema(item))
        except MultipleInvalid as exc:
            for error in exc.errors:
                error.prepend([index])
                errors.append(error)
    if errors:
        raise MultipleInvalid(errors)
    return items


def exactly_one_credential(params):
    """Exactly one of the access key pair or access_token; empty strings count as not given."""
    key_id, key_secret, token = (params.get(name) or None for name in
                                 ("access_key_id", "access_key_secret", "access_token"))
    if bool(key_id) != bool(key_secret):
        _fail("access_key_id and access_key_secret must be given together (missing: %s)"
              % ("access_key_secret" if key_id else "access_key_id"))
    if key_id and token:
        _fail("give either access_key_id and access_key_secret, or access_token, not both "
              "(check the GENAUTH_ACCESS_KEY_ID, GENAUTH_ACCESS_KEY_SECRET and GENAUTH_ACCESS_TOKEN "
              "environment variables too)")
    if not key_id and not token:
        _fail("no credentials: give access_key_id and access_key_secret (or set GENAUTH_ACCESS_KEY_ID and "
              "GENAUTH_ACCESS_KEY_SECRET), or access_token (GENAUTH_ACCESS_TOKEN)")
    return params


# The rules for the options every GenAuth module shares (see doc fragment genauth.management.connection).
CONNECTION_RULES = {
    Optional("host"): host_url,
    Optional("userpool_id"): header_identifier,
    Optional("access_token"): token_text,
    Optional("ca_path"): ca_file,
    Optional("timeout"): timeout_seconds,
    Optional("retries"): retry_count,
}

# The rules for one webhook to trigger: an item of ``webhooks``, or the options of a single trigger.
ITEM_RULES = {
    Required("webhook_id"): identifier,
    Optional("request_headers"): request_headers,
    Optional("request_body"): request_body,
}


def _unless_unset(rule):
    """``rule`` for an option that may be left unset (None), as webhook_id is when webhooks is given."""
    return lambda value: None if value is None else rule(value)


# The trigger module's rules: a single webhook (webhook_id, request_headers, request_body) or a list of them.
TRIGGER_RULES = dict(
    [(Optional(str(key)), _unless_unset(rule)) for key, rule in ITEM_RULES.items()]
    + [(Optional("webhooks"), webhook_items), (Optional("concurrency"), concurrency_count)]
)


def build_schema(*rule_sets):
    """One voluptuous schema from the connection rules, the credential rule and a module's own rules."""
    rules = dict(CONNECTION_RULES)
    for rule_set in rule_sets:
        rules.update(rule_set)
    return All(Schema(rules, extra=ALLOW_EXTRA), exactly_one_credential)


def _describe(error):
    path = list(error.path)
    if not path:
        return error.error_message
    name = str(path[0]) + "".join("[%r]" % (key,) for key in path[1:])
    return "%s: %s" % (name, error.error_message)


def validate(schema, params):
    """Validate and normalise ``params``; raise :class:`InvalidOptions` naming every broken rule."""
    try:
        return schema(dict(params))
    except MultipleInvalid as exc:
        messages = sorted(set(_describe(error) for error in exc.errors))
    except Invalid as exc:
        messages = [_describe(exc)]
    raise InvalidOptions("Invalid options: %s" % "; ".join(messages))

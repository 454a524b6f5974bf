# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""How option rules are written and checked with voluptuous, on top of Ansible's type checks.

Ansible's argument spec declares the types (so ``ansible-doc`` and validate-modules see them); a rule says
what a value must look like, and may normalise it (a JSON string body becomes a dict), so a request is built
from what was validated. Every failure names the option, and the key or index for dict and list options:
``request_headers['X-A']: value must not contain CR or LF``.

This file holds only what any option may use. The rules of the shared connection options live in
``_connection``; those of an endpoint's options live with the endpoint (``_webhooks``).
"""

import math
import re
import traceback
import unicodedata
from collections import namedtuple

VOLUPTUOUS_IMPORT_ERROR = None
try:
    from voluptuous import ALLOW_EXTRA, All, Invalid, MultipleInvalid, Optional, Required, Schema
except ImportError:
    # Nothing here uses voluptuous at import time, so a module can still start and report the missing library.
    VOLUPTUOUS_IMPORT_ERROR = traceback.format_exc()

MAX_ID_LENGTH = 256

# Visible ASCII: what a value sent in one of our own HTTP headers (user pool id, token) may contain.
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+\Z")


class Bounds(namedtuple("Bounds", ["low", "high", "default"])):
    """A numeric option's range and default, stated once.

    The argument spec takes ``default`` from here, the rule checks the range, and a unit test checks every
    document that repeats either (``tests/unit/test_stated_facts.py``).
    """

    __slots__ = ()


class InvalidOptions(ValueError):
    """One or more options broke a rule; the message lists each as ``option[key]: rule``."""


def reject(msg, *path):
    """Refuse the value being checked; ``path`` adds the dict keys or list indices below the option."""
    raise Invalid(msg, path=list(path))


def is_header_safe(text):
    """True for a non-empty string of visible ASCII: safe to send in one of our own HTTP headers."""
    return isinstance(text, str) and bool(_HEADER_SAFE.match(text))


def has_space_or_control(text):
    """Whitespace, or any Unicode control/format character (C0, DEL, C1, zero-width, ...)."""
    return any(char.isspace() or unicodedata.category(char)[0] == "C" for char in text)


def given_as_string(value):
    """A value that must arrive as a string, as an id must: refuse any other type rather than convert it.

    Options that hold ids are ``type: raw`` in their argument spec, since Ansible's ``str`` turns a list or a number
    into some string without a word: YAML reads an unquoted ``0123`` as the octal number 83, so the id sent would
    be another one.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        reject("must be a string, not a boolean: put the value in quotes")
    if isinstance(value, (int, float)):
        reject("must be a string, not the number %r: put the value in quotes, since YAML reads unquoted digits as a "
               "number (0123 even as the octal number 83)" % (value,))
    if isinstance(value, (list, tuple)):
        reject("must be one string, not a list")
    if isinstance(value, dict):
        reject("must be a string, not a dictionary")
    reject("must be a string, not %s" % type(value).__name__)


def identifier(value):
    """A non-empty id without whitespace or control characters (webhook ids), given as a string."""
    if value is not None:
        given_as_string(value)
    if not value:
        reject("must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        reject("must be at most %d characters" % MAX_ID_LENGTH)
    if has_space_or_control(value):
        reject("must not contain whitespace or control characters")
    return value


def header_safe_identifier(value):
    """An id we send in an HTTP header (the user pool id): visible ASCII only."""
    identifier(value)
    if not is_header_safe(value):
        reject("must contain only visible ASCII characters (it is sent as an HTTP header)")
    return value


def whole_number(bounds):
    """A rule for a whole number within ``bounds`` (a :class:`Bounds`)."""
    def rule(value):
        if isinstance(value, bool) or not isinstance(value, int):
            reject("must be a whole number")
        if not bounds.low <= value <= bounds.high:
            reject("must be between %d and %d" % (bounds.low, bounds.high))
        return value
    return rule


def seconds(bounds):
    """A rule for a number of seconds greater than ``bounds.low`` and at most ``bounds.high``."""
    def rule(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
            reject("must be a number of seconds")
        if not bounds.low < value <= bounds.high:
            reject("must be greater than %d and at most %d seconds" % (bounds.low, bounds.high))
        return float(value)
    return rule


def list_of(item_rules, most, noun, key=None, empty=False):
    """A rule for a list of at most ``most`` dicts (and at least one, unless ``empty``), each checked with
    ``item_rules`` and holding ``key``, when one is named.

    ``noun`` and ``key`` word the messages (``must be a list of webhooks, each a dictionary with
    webhook_id``); a failure inside an item names its index: ``webhooks[1]['webhook_id']: ...``.
    """
    dictionary = "a dictionary with %s" % key if key else "a dictionary"

    def rule(value):
        item_schema = _schema(item_rules, required=key)
        if not isinstance(value, list):
            reject("must be a list of %ss, each %s" % (noun, dictionary))
        if not value and not empty:
            reject("must list at least one %s" % noun)
        if len(value) > most:
            reject("lists %d %ss; the limit is %d per task" % (len(value), noun, most))
        items, errors = [], []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                errors.append(Invalid("must be %s" % dictionary, path=[index]))
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
    return rule


def _unless_unset(rule):
    """Ansible gives None for an option the task left out: that is not the rules' business."""
    return lambda value: None if value is None else rule(value)


def _schema(rules, required=None):
    """A schema from ``{option: rule}``; options other than ``required`` may be missing or unset."""
    return Schema(dict(
        (Required(name), rule) if name == required else (Optional(name), _unless_unset(rule))
        for name, rule in rules.items()
    ), extra=ALLOW_EXTRA)


def build_schema(rules, *checks):
    """The schema of a module's options: ``rules`` (``{option: rule}``, each run only on a value that is
    set), then each of ``checks``, a callable that gets the whole checked options and returns them."""
    return All(_schema(rules), *checks)


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
    raise InvalidOptions(REFUSAL_PREFIX + "; ".join(messages))


REFUSAL_PREFIX = "Invalid options: "
_FIRST_KEY = re.compile(r"""^\[(?:'([^']*)'|"([^"]*)")\]""")


def item_refusals(msg, option):
    """Who a refusal concerns, for a list option such as ``webhooks``: the messages about each of its items, by
    index, and the others.

    ``msg`` is the message of :class:`InvalidOptions`, as a task that refused its options returns it. Each item's
    messages are worded as for that item alone (``request_headers['X-A']: ...`` for
    ``webhooks[1]['request_headers']['X-A']: ...``), so a caller that knows the items by other names (the
    ``deploy_webhooks`` role's targets) can name them instead of pointing into a list its user never wrote.

    :returns: ``({index: [message, ...]}, [message, ...])``; ``({}, [])`` when ``msg`` is not such a refusal.
        The messages are sorted (see :func:`validate`), so those of the list's items come after the options whose
        names sort before it, which all the options of a module do today; the rest stays one message.
    """
    if not isinstance(msg, str) or not msg.startswith(REFUSAL_PREFIX):
        return {}, []
    marker = re.compile(r"%s\[(\d+)\]" % re.escape(option))
    by_item, others = {}, []
    for part in re.split(r"; (?=%s\[\d+\])" % re.escape(option), msg[len(REFUSAL_PREFIX):]):
        match = marker.match(part)
        if not match:
            others.append(part)
            continue
        rest = part[match.end():]
        key = _FIRST_KEY.match(rest)
        if key:
            rest = (key.group(1) if key.group(1) is not None else key.group(2)) + rest[key.end():]
        elif rest.startswith(": "):
            rest = rest[2:]
        by_item.setdefault(int(match.group(1)), []).append(rest)
    return by_item, others

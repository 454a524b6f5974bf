# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""Keeping secrets and a server's control characters out of what a user sees.

Every text a server sends may reach a terminal (a task's ``msg``, a warning) and may hold a secret (an error page
that echoes the request, a redirect's ``Location``, a subscriber's answer). What is shown is masked first, then
made printable, and only then cut to length, so that neither a secret nor an escape sequence can straddle the cut.
"""

import re
import threading

# What results show instead of a secret: the collection's one mask.
SECRET_MASK = "********"
# A value made only of asterisks is a mask a server shows instead of a secret, never a secret to hide: hiding
# it would hide every mask in the results too.
_ONLY_ASTERISKS = re.compile(r"^\s*\*+\s*\Z")
# C0 and C1 control characters, DEL, and the Unicode characters that reorder or break lines on a terminal.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r"}


def printable(text):
    """``text`` with every character that could move the cursor, recolour or retitle a terminal written as an
    escape (``\\x1b``, ``\\r``, ``\\n``), so that a server's text is shown, never obeyed. Tabs are kept."""
    if not isinstance(text, str):
        text = str(text)

    def escape(match):
        char = match.group(0)
        if char in _ESCAPES:
            return _ESCAPES[char]
        return "\\x%02x" % ord(char) if ord(char) < 0x100 else "\\u%04x" % ord(char)

    return _UNPRINTABLE.sub(escape, text)


def is_secret_value(value):
    """True for a value worth hiding: a non-empty string that is not a mask (only asterisks)."""
    return isinstance(value, str) and bool(value) and not _ONLY_ASTERISKS.match(value)


def _written(char):
    """A pattern for one character as a URL may write it: as it is, or percent-encoded in either case (and a
    space as ``+``)."""
    if char.isascii() and (char.isalnum() or char in "-._~"):
        return re.escape(char)
    encoded = "".join("%%(?i:%02x)" % byte for byte in char.encode("utf-8"))
    return "(?:%s|%s%s)" % (re.escape(char), encoded, "|\\+" if char == " " else "")


def pattern_of(secret):
    """A regular expression matching ``secret`` in every way a text a server sends back may write it: as it is,
    or URL-encoded (a query string or a redirect's ``Location`` quotes it), in any mix of the two."""
    return "".join(_written(char) for char in secret)


class Secrets(object):
    """The secrets of one run (the access key secret, tokens, webhook secrets), and the masking of texts and
    JSON values with them. Safe to share between threads.

    :param values: the secrets known from the start.
    """

    def __init__(self, values=()):
        self._lock = threading.Lock()
        self._values = set()
        self._patterns = None
        for value in values:
            self.add(value)

    def add(self, value):
        """Hide ``value`` from now on; masks and empty values are ignored. Returns True when it was new."""
        if not is_secret_value(value):
            return False
        with self._lock:
            if value in self._values:
                return False
            self._values.add(value)
            self._patterns = None
            return True

    def values(self):
        """The secrets, as a frozenset (for Ansible's ``no_log`` machinery)."""
        with self._lock:
            return frozenset(self._values)

    def _pattern(self):
        with self._lock:
            if self._patterns is None and self._values:
                # Longest first, so that a secret containing another is masked whole.
                self._patterns = re.compile("|".join(pattern_of(value) for value in
                                                     sorted(self._values, key=len, reverse=True)))
            return self._patterns

    def mask(self, text):
        """``text`` with every secret, in every form (``pattern_of``), replaced by the mask."""
        pattern = self._pattern() if isinstance(text, str) else None
        return pattern.sub(SECRET_MASK, text) if pattern is not None else text

    def shown(self, text, length=None):
        """A server's text as a message may quote it: masked, then made printable, then cut to ``length``
        characters (with ``...`` when cut)."""
        text = printable(self.mask(text or ""))
        if length is not None and len(text) > length:
            return text[:length] + "..."
        return text

    def redact(self, value, secret_keys=()):
        """A copy of any JSON value with every secret masked in its strings, its dict keys included (a key that
        becomes the mask twice is numbered), and the value of every key in ``secret_keys`` (in any case) masked
        whole. Works without recursion, so no depth of nesting can exhaust the stack."""
        return redact(value, self.mask, secret_keys)


def redact(value, mask_text, secret_keys=(), mask=SECRET_MASK, mask_key=None):
    """See :meth:`Secrets.redact`; ``mask_text`` masks one string, ``mask_key`` one key (``mask_text`` unless
    given)."""
    mask_key = mask_key or mask_text
    lowered = frozenset(key.lower() for key in secret_keys)

    def copy_of(item):
        if isinstance(item, str):
            return mask_text(item)
        if isinstance(item, dict):
            return {}
        if isinstance(item, (list, tuple)):
            return []
        return item

    root = copy_of(value)
    stack = [(value, root)] if isinstance(value, (dict, list, tuple)) else []
    while stack:
        source, target = stack.pop()
        if isinstance(source, dict):
            for key, item in source.items():
                name = _unique_key(target, mask_key(key) if isinstance(key, str) else key)
                if isinstance(key, str) and key.lower() in lowered and item not in (None, ""):
                    target[name] = mask
                    continue
                target[name] = copy_of(item)
                if isinstance(item, (dict, list, tuple)):
                    stack.append((item, target[name]))
        else:
            for item in source:
                target.append(copy_of(item))
                if isinstance(item, (dict, list, tuple)):
                    stack.append((item, target[-1]))
    return root


def _unique_key(target, key):
    if key not in target:
        return key
    number = 2
    while "%s (%d)" % (key, number) in target:
        number += 1
    return "%s (%d)" % (key, number)

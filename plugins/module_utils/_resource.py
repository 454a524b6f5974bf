# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""What a declarative or info module does with a resource of the API, whatever the resource: read every page
of a list, find a resource by name, compare normalised values, decide about a secret the API may not show,
mask secrets, and build the ``diff``.

Resources here are plain dicts of the API's field names. A module's resource family (``_webhooks``) says which
fields are compared, how each is normalised, and which hold secrets; the rules of comparing live here once.
"""

import re

SECRET_MASK = "********"
# What a changed secret shows in a diff: a change, without either value.
SECRET_CHANGED = "******** (changed)"
# update_secret: send a given secret that cannot be compared on every run, or only when creating.
UPDATE_SECRET_CHOICES = ("always", "on_create")

# A value an API shows instead of a secret: a run of asterisks (all of it, or in the middle of a hint).
_MASKED = re.compile(r"\*{3,}")


def read_pages(fetch_page, page_limit, most=None):
    """Every item of a paged list, or its first ``most``.

    :param fetch_page: called with ``(page, limit)`` (pages count from 1); returns ``(items, total_count)``,
        where ``total_count`` is the API's ``totalCount`` (None when it sent none).
    :param page_limit: the most items the API returns in one page.

    Pages are read until ``total_count`` items (or ``most``) are read, or a page comes back short, so a server
    whose count is wrong cannot make this loop forever.
    """
    items = []
    page = 1
    previous = None
    while True:
        # Every page has the same size, so that page numbers keep meaning the same offsets.
        batch, total = fetch_page(page, page_limit)
        if batch == previous:  # a server that ignores page sends the same page again: nothing more to read
            return items if most is None else items[:most]
        previous = batch
        items.extend(batch)
        if (len(batch) < page_limit or (isinstance(total, int) and len(items) >= total)
                or (most is not None and len(items) >= most)):
            return items if most is None else items[:most]
        page += 1


def find_by_name(items, name, key="name"):
    """The items whose ``key`` is exactly ``name``: none, one, or (names need not be unique) several."""
    return [item for item in items if isinstance(item, dict) and item.get(key) == name]


def as_set(values):
    """A list compared as a set (order and repeats do not matter), in one stable order for results and diffs."""
    return sorted(set(values or ()), key=lambda value: (str(type(value)), value))


def is_readable_secret(value):
    """True when the API returned a secret in clear, so it can be compared: not empty, not masked."""
    return isinstance(value, str) and bool(value) and not _MASKED.search(value)


def secret_needs_sending(current, wanted, creating, update_secret):
    """Whether a given secret must be sent.

    :param current: the secret as the API returned it (the clear value, a masked one, empty or None).
    :param wanted: the secret the task gives, or None when it gives none (then nothing is sent).
    :param creating: True when the resource is being created.
    :param update_secret: ``always`` or ``on_create`` (see ``UPDATE_SECRET_CHOICES``).

    A secret the API shows is compared like any field. One it hides cannot be: ``always`` sends it (and so
    reports a change) and ``on_create`` leaves an existing resource's secret alone.
    """
    if wanted is None:
        return False
    if creating:
        return True
    if is_readable_secret(current):
        return current != wanted
    if current == wanted:
        return False
    return update_secret == "always"


def changed_fields(current, wanted, normalizers=None):
    """The fields of ``wanted`` whose normalised value differs from ``current``'s.

    :param current: the resource as the API returned it.
    :param wanted: field -> value the task asks for; None means "not given" and is never a change.
    :param normalizers: field -> function applied to both sides before comparing (``as_set`` for lists whose
        order means nothing).
    """
    normalizers = normalizers or {}
    changes = {}
    for name, value in wanted.items():
        if value is None:
            continue
        normalize = normalizers.get(name, lambda item: item)
        if normalize(current.get(name)) != normalize(value):
            changes[name] = value
    return changes


def masked(resource, secret_fields):
    """A copy of ``resource`` fit for results: each secret field that holds a value replaced by the mask."""
    if not isinstance(resource, dict):
        return resource
    copy = dict(resource)
    for name in secret_fields:
        if copy.get(name):
            copy[name] = SECRET_MASK
    return copy


def comparable(resource, fields, normalizers=None, secret_fields=()):
    """The fields of ``resource`` a diff shows: only ``fields`` (no server-filled ones such as timestamps),
    normalised, secrets masked. An absent resource (None) is an empty dict."""
    if not resource:
        return {}
    normalizers = normalizers or {}
    shown = dict((name, normalizers.get(name, lambda item: item)(resource.get(name))) for name in fields)
    return masked(shown, secret_fields)


def diff(before, after, fields, normalizers=None, secret_fields=(), changed_secrets=()):
    """Ansible's ``diff`` (``{"before": ..., "after": ...}``) of a resource, the same in check mode and in a
    real run: only ``fields``, normalised, secrets masked; a secret in ``changed_secrets`` shows as
    ``SECRET_CHANGED`` after, so the change is visible but neither value is."""
    shown_after = comparable(after, fields, normalizers, secret_fields)
    for name in changed_secrets:
        if shown_after:
            shown_after[name] = SECRET_CHANGED
    return {"before": comparable(before, fields, normalizers, secret_fields), "after": shown_after}


def redact(value, secrets, mask=SECRET_MASK, secret_keys=()):
    """A copy of any JSON value with every occurrence of ``secrets`` in its strings replaced by ``mask``, and
    the value of every dict key in ``secret_keys`` (compared in any case) masked whole."""
    secrets = [secret for secret in secrets if isinstance(secret, str) and secret]
    lowered = frozenset(key.lower() for key in secret_keys)

    def walk(item):
        if isinstance(item, dict):
            return dict((key, mask if isinstance(key, str) and key.lower() in lowered and item[key] not in (None, "")
                         else walk(item[key])) for key in item)
        if isinstance(item, (list, tuple)):
            return [walk(element) for element in item]
        if isinstance(item, str):
            for secret in secrets:
                item = item.replace(secret, mask)
        return item

    return walk(value)

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

import fnmatch
import re

from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._masking import SECRET_MASK

# The most pages a list is read in: far more than any user pool's webhooks need, few enough that a server
# whose count is wrong or whose pages never end is stopped.
MAX_PAGES = 100
# What a changed secret shows in a diff: a change, without either value.
SECRET_CHANGED = "******** (changed)"
# update_secret: send a given secret that cannot be compared on every run, or only when creating.
UPDATE_SECRET_CHOICES = ("always", "on_create")

# A value an API shows instead of a secret: a run of asterisks (all of it, or in the middle of a hint).
_MASKED = re.compile(r"\*{3,}")


def _count(total):
    """totalCount when it is a usable count (a whole number, not negative), else None."""
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        return None
    return total


def read_pages(fetch_page, page_limit, endpoint, most=None, key=None):
    """Every item of a paged list, or its first ``most``, in at most ``MAX_PAGES`` calls.

    :param fetch_page: called with ``(page, limit)`` (pages count from 1); returns ``(items, total_count)``,
        where ``total_count`` is the API's ``totalCount`` as sent (None when it sent none).
    :param page_limit: the most items the API returns in one page.
    :param endpoint: the endpoint read, for messages.
    :param key: an item's identity: an item already read on an earlier page (a list that shifted while it was
        read) is kept once. Without it, a page equal to the one before ends the reading.

    Reading stops at a short page, at the pages ``total_count`` allows, at a page with nothing new (a server that
    ignores ``page``), or at ``most``. A list that would need more than ``MAX_PAGES`` pages is refused with a
    :class:`GenAuthError`: a count beyond them at once, and without a usable count when page ``MAX_PAGES`` is
    still full, so that no server can keep a task reading.
    """
    items, seen, previous = [], set(), None
    page = 1
    while True:
        # Every page has the same size, so that page numbers keep meaning the same offsets.
        batch, total = fetch_page(page, page_limit)
        count = _count(total)
        if page == 1 and count is not None and count > MAX_PAGES * page_limit and (most is None or most > count):
            raise GenAuthError(
                "GenAuth %s says it holds %d items (totalCount), more than the %d pages of %d that this client "
                "reads. Check that host points at the GenAuth Management API."
                % (endpoint, count, MAX_PAGES, page_limit), endpoint=str(endpoint))
        if key is None:
            new = [] if batch == previous else batch
        else:
            new = []
            for item in batch:
                identity = key(item)
                if identity not in seen:
                    seen.add(identity)
                    new.append(item)
        if batch and not new:  # the same page again: a server that ignores page has nothing more to give
            break
        previous = batch
        items.extend(new)
        if (len(batch) < page_limit or (most is not None and len(items) >= most)
                or (count is not None and (len(items) >= count or page * page_limit >= count))):
            break
        if page >= MAX_PAGES:
            raise GenAuthError(
                "GenAuth %s still sent full pages after %d pages of %d%s: this client reads no more. Check that host "
                "points at the GenAuth Management API."
                % (endpoint, MAX_PAGES, page_limit, "" if count is not None else " and no usable totalCount"),
                endpoint=str(endpoint))
        page += 1
    return items if most is None else items[:most]


def find_by_name(items, name, key="name"):
    """The items whose ``key`` is exactly ``name``: none, one, or (names need not be unique) several."""
    return [item for item in items if isinstance(item, dict) and item.get(key) == name]


def named_like(items, patterns, key="name"):
    """The items whose ``key`` matches one of ``patterns``: shell-style (``*``, ``?``, ``[...]``), whole and
    case-sensitive, so a pattern without wildcards is one exact name."""
    return [item for item in items if isinstance(item, dict) and isinstance(item.get(key), str)
            and any(fnmatch.fnmatchcase(item[key], pattern) for pattern in patterns)]


def as_set(values):
    """A list compared as a set (order and repeats do not matter), in one stable order for results and diffs."""
    return sorted(set(values or ()), key=lambda value: (str(type(value)), value))


def is_readable_secret(value):
    """True when the API returned a secret in clear, so it can be compared: not empty, not masked."""
    return isinstance(value, str) and bool(value) and not _MASKED.search(value)


def secret_needs_sending(current, declared, creating, update_secret):
    """Whether a given secret must be sent.

    :param current: the secret as the API returned it (the clear value, a masked one, empty or None).
    :param declared: the secret the task gives, or None when it gives none (then nothing is sent).
    :param creating: True when the resource is being created.
    :param update_secret: ``always`` or ``on_create`` (see ``UPDATE_SECRET_CHOICES``).

    A secret the API shows is compared like any field. One it hides cannot be: ``always`` sends it (and so
    reports a change) and ``on_create`` leaves an existing resource's secret alone.
    """
    if declared is None:
        return False
    if creating:
        return True
    if is_readable_secret(current):
        return current != declared
    if current == declared:
        return False
    return update_secret == "always"


def changed_fields(current, declared, normalizers=None):
    """The fields of ``declared`` whose normalised value differs from ``current``'s.

    :param current: the resource as the API returned it.
    :param declared: field -> value the task asks for; None means "not given" and is never a change.
    :param normalizers: field -> function applied to both sides before comparing (``as_set`` for lists whose
        order means nothing).
    """
    normalizers = normalizers or {}
    changes = {}
    for name, value in declared.items():
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

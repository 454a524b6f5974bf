# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""Running one call per item on a bounded number of threads, outcomes kept in input order.

The calls share one :class:`GenAuthClient` (one token, one pool of keep-alive connections). Each item's
failure is its own: the others still run, and every outcome is returned, so a caller can report which
items were delivered and which were not.
"""

from ansible_collections.genauth.management.plugins.module_utils._validation import Bounds, whole_number

# How many calls run at once (the ``concurrency`` option). Each wave of triggers costs one API round trip plus
# the slowest subscriber's answer, so the default keeps the waves of a large batch few, while staying a burst
# that GenAuth's rate limiter answers with a few 429s at worst (retried per item); docs/benchmarks.md measures
# it. The limit keeps a typo (concurrency: 1000) from opening a thousand connections.
CONCURRENCY = Bounds(low=1, high=32, default=16)
# The ``concurrency`` option of a module that runs its calls here: its argument spec and its rule.
CONCURRENCY_OPTION = dict(type="int", default=CONCURRENCY.default)
concurrency_rule = whole_number(CONCURRENCY)


class Outcome(object):
    """What one item's call returned (``value``) or raised (``error``)."""

    __slots__ = ("value", "error")

    def __init__(self, value=None, error=None):
        self.value = value
        self.error = error

    @property
    def failed(self):
        return self.error is not None


def run_each(work, items, concurrency=CONCURRENCY.default):
    """Call ``work(item)`` for every item, at most ``concurrency`` at a time; a list of :class:`Outcome`.

    Any exception an item raises is caught into its outcome. With one item, or a concurrency of 1, the
    items run one after the other on the calling thread.
    """
    items = list(items)
    workers = max(1, min(int(concurrency), len(items)))
    if workers == 1:
        return [_attempt(work, item) for item in items]
    # Imported here: a single trigger, the common case, need not pay for it when the module starts.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda item: _attempt(work, item), items))


def _attempt(work, item):
    try:
        return Outcome(value=work(item))
    except Exception as exc:  # pylint: disable=broad-except
        return Outcome(error=exc)

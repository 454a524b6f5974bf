# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""What every GenAuth plugin does with its options wherever it runs (a module, an action plugin or the callback on
the controller): check them the same way, name itself to the API, and report a bug. Nothing here needs
``AnsibleModule``, so the controller's plugins use it without loading the module base (``_module``)."""

import sys
import traceback

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ansible_collections.genauth.management.plugins.module_utils import _connection
from ansible_collections.genauth.management.plugins.module_utils._validation import build_schema, validate

COLLECTION_NAME = "genauth.management"


def options_schema(rules=None, checks=()):
    """The schema a module's options are checked with: the shared rules, the module's own ``rules``
    (``{option: rule}``), the module's own ``checks`` of the whole options (first: a module that needs one kind of
    credential says so rather than the generic rule), then the credential rule."""
    return build_schema(dict(_connection.RULES, **(rules or {})), *(tuple(checks) + (_connection.credential_rule,)))


def checked_options(params, environ, rules=None, checks=(), on_secret=None, unused=()):
    """The options as every GenAuth plugin checks them, wherever it runs (a module, an action plugin on the
    controller, the callback): the credentials a task left unset taken from ``environ``'s GENAUTH_* variables
    (each secret taken reported to ``on_secret``), then :func:`options_schema`. Raises :class:`InvalidOptions`.

    :param params: the options after Ansible's own argument spec (types, defaults, choices); not changed.
    :param unused: shared options the plugin does not use (``genauth_token`` ignores ``access_token``): neither
        the task's value nor the environment's counts, so they cannot stand in for what the environment gives.
    """
    params = dict(params, **dict.fromkeys(unused))
    for value in _connection.credentials_from_environment(params, environ):
        if on_secret:
            on_secret(value)
    params.update(dict.fromkeys(unused))
    return validate(options_schema(rules, checks), params)


def user_agent():
    """The User-Agent of every call: the collection, and the ansible-core and Python that run it. The collection's
    version is galaxy.yml's alone: a module's payload carries no copy of it."""
    return "%s (ansible-core/%s; python/%s)" % (
        COLLECTION_NAME, ANSIBLE_VERSION, "%d.%d.%d" % tuple(sys.version_info[:3]))


def unexpected_error(exc):
    """The message and traceback text for an exception that is not a :class:`GenAuthError` (a bug)."""
    msg = ("Unexpected %s: %s. This is a bug in genauth.management; please report it with the output of -vvv."
           % (type(exc).__name__, exc))
    return msg, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

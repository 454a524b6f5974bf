# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The base of every GenAuth module: the shared options (``_connection``) added to the module's own, every
option checked before anything is sent, the API client built from them, secrets kept out of results and
warnings, and any failure turned into ``fail_json``."""

import contextlib
import os
import sys
import threading
import traceback

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION
from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.genauth.management.plugins.module_utils import _connection
from ansible_collections.genauth.management.plugins.module_utils._client import REQUESTS_IMPORT_ERROR, client_from_options
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._masking import Secrets, printable, redact
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    VOLUPTUOUS_IMPORT_ERROR, InvalidOptions, build_schema, validate,
)

COLLECTION_NAME = "genauth.management"
COLLECTION_VERSION = "0.1.0"


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
    return "%s/%s (ansible-core/%s; python/%s)" % (
        COLLECTION_NAME, COLLECTION_VERSION, ANSIBLE_VERSION, "%d.%d.%d" % tuple(sys.version_info[:3]))


class GenAuthModule(AnsibleModule):
    """An AnsibleModule with the shared GenAuth options, their rules, and the API client.

    :param argument_spec: the module's own options (the shared ones are added).
    :param rules: the module's own rules, ``{option: rule}`` (see ``_validation``), checked with the shared ones.
    :param checks: the module's own checks of the whole options (see ``_validation.build_schema``).
    :param unused: shared options the module ignores (see :func:`checked_options`).

    After construction, ``self.options`` holds the checked, normalised option values. Nothing has been sent
    yet: invalid input fails here, before any network call.
    """

    def __init__(self, argument_spec, rules=None, checks=(), unused=(), **kwargs):
        # Worker threads (see _parallel) add secrets and warn at the same time. Set before AnsibleModule's own
        # checks, which may already fail the module.
        self._secrets_lock = threading.Lock()
        # What is masked in the texts quoted from answers and in results, beside Ansible's own no_log values.
        self.secrets = Secrets()
        super(GenAuthModule, self).__init__(argument_spec=_connection.argument_spec(**argument_spec), **kwargs)
        if REQUESTS_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        if VOLUPTUOUS_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("voluptuous"), exception=VOLUPTUOUS_IMPORT_ERROR)
        try:
            self.options = checked_options(self.params, os.environ, rules, checks, self.treat_as_secret, unused)
        except InvalidOptions as exc:
            self.fail_json(msg=str(exc))

    def client(self, pool_size=None):
        """A :class:`GenAuthClient` for the checked options; use it as a context manager.

        :param pool_size: the most calls the caller makes at once (see ``_parallel``).
        """
        return client_from_options(self.options, self.warn, self.treat_as_secret, user_agent(), pool_size,
                                   secrets=self.secrets)

    def treat_as_secret(self, value):
        """Mask ``value`` wherever it would appear in this module's results, warnings and failures (a token
        the module fetched, a webhook's secret): Ansible replaces it as it does a ``no_log`` option. A mask
        that a server shows instead of a secret (``********``) is not a secret, and is ignored."""
        if self.secrets.add(value):
            with self._secrets_lock:
                self.no_log_values.add(value)

    def _masked(self, text):
        with self._secrets_lock:
            secrets = frozenset(self.no_log_values)
        return printable(remove_values(self.secrets.mask(text), secrets))

    def warn(self, warning, *args, **kwargs):
        """Warn with every secret masked and every control character escaped: warnings may quote a server's
        answer, and ansible-core 2.19 no longer masks no_log values in them."""
        super(GenAuthModule, self).warn(self._masked(warning), *args, **kwargs)

    def _redacted(self, result):
        """``result`` with what Ansible's own masking leaves: a secret used as a dict key, a URL-encoded one.
        A value that is exactly a secret is left to Ansible, which shows it as it shows any ``no_log`` value."""
        with self._secrets_lock:
            exact = frozenset(self.no_log_values)
        every = Secrets(exact | self.secrets.values())
        return redact(result, lambda text: text if text in exact else every.mask(text), mask_key=every.mask)

    def exit_json(self, **kwargs):
        super(GenAuthModule, self).exit_json(**self._redacted(kwargs))

    def fail_json(self, msg, **kwargs):
        super(GenAuthModule, self).fail_json(msg=self._masked(msg), **self._redacted(kwargs))

    @contextlib.contextmanager
    def reporting_errors(self, result):
        """Turn any failure inside the block into ``fail_json`` with ``result``'s fields: a
        :class:`GenAuthError` with its message and fields, anything else as an unexpected error."""
        try:
            yield
        except GenAuthError as error:
            result.update(error.result_fields())
            self.fail_json(msg=error.msg, **result)
        except Exception as exc:  # pylint: disable=broad-except
            msg, exception = unexpected_error(exc)
            self.fail_json(msg=msg, exception=exception, **result)


def unexpected_error(exc):
    """The message and traceback text for an exception that is not a :class:`GenAuthError` (a bug)."""
    msg = ("Unexpected %s: %s. This is a bug in genauth.management; please report it with the output of -vvv."
           % (type(exc).__name__, exc))
    return msg, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

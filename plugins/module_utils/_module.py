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
import threading

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.genauth.management.plugins.module_utils import _connection
from ansible_collections.genauth.management.plugins.module_utils._client import REQUESTS_IMPORT_ERROR, client_from_options
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._masking import Secrets, printable, redact
from ansible_collections.genauth.management.plugins.module_utils._options import (
    checked_options, unexpected_error, user_agent,
)
from ansible_collections.genauth.management.plugins.module_utils._validation import VOLUPTUOUS_IMPORT_ERROR, InvalidOptions


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
        self.secrets.add(value)
        if value in self.secrets.values():  # also one the client added to the shared Secrets first
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

# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""What every GenAuth module shares: the connection/auth argument spec (documented by the doc fragment
``genauth.management.connection``), validation, the client, and turning errors into ``fail_json``."""

import contextlib
import os
import sys
import threading
import traceback
from urllib.parse import urlsplit

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION
from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.genauth.management.plugins.module_utils._auth import AccessKeyToken, StaticToken
from ansible_collections.genauth.management.plugins.module_utils._client import GenAuthClient, REQUESTS_IMPORT_ERROR
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    VOLUPTUOUS_IMPORT_ERROR, InvalidOptions, build_schema, validate,
)

COLLECTION_NAME = "genauth.management"
COLLECTION_VERSION = "0.1.0"
DEFAULT_HOST = "https://api.genauth.ai"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
# Credential options and their environment variables. They are not Ansible fallbacks, because a task's own
# credentials must win over the other kind found in the environment (see credentials_from_environment).
CREDENTIAL_VARIABLES = (
    ("access_key_id", "GENAUTH_ACCESS_KEY_ID"),
    ("access_key_secret", "GENAUTH_ACCESS_KEY_SECRET"),
    ("access_token", "GENAUTH_ACCESS_TOKEN"),
)


def genauth_argument_spec(**module_options):
    """The options every GenAuth module shares, updated with the module's own."""
    spec = dict(
        host=dict(type="str", default=DEFAULT_HOST, fallback=(env_fallback, ["GENAUTH_HOST"])),
        access_key_id=dict(type="str", no_log=False),
        access_key_secret=dict(type="str", no_log=True),
        access_token=dict(type="str", no_log=True),
        userpool_id=dict(type="str"),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=30.0),
        retries=dict(type="int", default=3),
    )
    spec.update(module_options)
    return spec


def credentials_from_environment(params, environ):
    """Fill the credential options the task left unset from GENAUTH_* variables; return the secrets used.

    The task's own credentials win: a task that gives access_token ignores the key pair variables, and one
    that gives any part of the key pair ignores GENAUTH_ACCESS_TOKEN.
    """
    pair_given = bool(params.get("access_key_id") or params.get("access_key_secret"))
    token_given = bool(params.get("access_token"))
    used = []
    for option, variable in CREDENTIAL_VARIABLES:
        other_kind_given = token_given if option != "access_token" else pair_given
        value = environ.get(variable)
        if not params.get(option) and not other_kind_given and value:
            params[option] = value
            if option != "access_key_id":  # the id is not a secret (it is the user pool id)
                used.append(value)
    return used


def user_agent():
    return "%s/%s (ansible-core/%s; python/%s)" % (
        COLLECTION_NAME, COLLECTION_VERSION, ANSIBLE_VERSION, "%d.%d.%d" % tuple(sys.version_info[:3]))


class GenAuthModule(AnsibleModule):
    """An AnsibleModule that validates GenAuth options and builds the API client.

    :param argument_spec: the module's own options (the shared ones are added).
    :param rules: the module's voluptuous rules (a dict of key -> validator), checked with the shared ones.

    After construction, ``self.options`` holds the validated, normalised option values. Nothing has been
    sent yet: invalid input fails here, before any network call.
    """

    def __init__(self, argument_spec, rules=None, **kwargs):
        super(GenAuthModule, self).__init__(argument_spec=genauth_argument_spec(**argument_spec), **kwargs)
        # Worker threads (see _fanout) hide secrets and warn at the same time.
        self._secrets_lock = threading.Lock()
        if REQUESTS_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        if VOLUPTUOUS_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("voluptuous"), exception=VOLUPTUOUS_IMPORT_ERROR)
        for value in credentials_from_environment(self.params, os.environ):
            self.hide(value)
        try:
            self.options = validate(build_schema(rules or {}), self.params)
        except InvalidOptions as exc:
            self.fail_json(msg=str(exc))

    def client(self, pool_size=None):
        """A :class:`GenAuthClient` for the validated options; use it as a context manager.

        :param pool_size: the most calls the caller makes at once (see ``_fanout``).
        """
        options = self.options
        if not options["validate_certs"]:
            self.warn("validate_certs is false: the GenAuth server's TLS certificate is not verified, so the "
                      "credentials can be intercepted. Use ca_path for a private CA instead.")
        elif options["host"].startswith("http://") and _host_name(options["host"]) not in LOOPBACK_HOSTS:
            self.warn("host uses plain http: the credentials and token travel unencrypted. Use https.")
        if options.get("access_token"):
            auth = StaticToken(options["access_token"])
        else:
            auth = AccessKeyToken(options["access_key_id"], options["access_key_secret"], on_token=self.hide)
        return GenAuthClient(
            options["host"], auth,
            userpool_id=options.get("userpool_id"),
            validate_certs=options["validate_certs"],
            ca_path=options.get("ca_path"),
            timeout=options["timeout"],
            retry_policy=RetryPolicy(retries=options["retries"]),
            user_agent=user_agent(),
            warn=self.warn,
            pool_size=pool_size,
        )

    def hide(self, value):
        """Mask ``value`` wherever it would appear in this module's results (a webhook secret, say)."""
        if isinstance(value, str) and value:
            with self._secrets_lock:
                self.no_log_values.add(value)

    def warn(self, warning, *args, **kwargs):
        """Warn with every secret masked: warnings may quote a server's answer, and ansible-core 2.19 no
        longer masks no_log values in them."""
        with self._secrets_lock:
            secrets = frozenset(self.no_log_values)
        super(GenAuthModule, self).warn(remove_values(warning, secrets), *args, **kwargs)

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


def _host_name(url):
    return (urlsplit(url).hostname or "").lower()

# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""Log in once: what ``genauth_token`` does, in its module process or, through its action plugin, in the
controller's own process when the task runs there (no module to build, send and start: the fast loop's one
fixed cost beyond a ``uri`` loop's)."""

import math

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.genauth.management.plugins.module_utils import _connection
from ansible_collections.genauth.management.plugins.module_utils._auth import token_claims, utc_iso
from ansible_collections.genauth.management.plugins.module_utils._client import REQUESTS_IMPORT_ERROR, client_from_options
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._module import checked_options, unexpected_error, user_agent
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    VOLUPTUOUS_IMPORT_ERROR, InvalidOptions, reject,
)

KEY_PAIR_REQUIRED = ("genauth_token gets a new token with the access key pair: give access_key_id and "
                     "access_key_secret (or set GENAUTH_ACCESS_KEY_ID and GENAUTH_ACCESS_KEY_SECRET). An "
                     "access_token is not used here.")


def key_pair_required(options):
    """genauth_token's own check: it needs the key pair, whatever else is given."""
    if not options.get("access_key_id"):
        reject(KEY_PAIR_REQUIRED)
    return options


CHECKS = (key_pair_required,)
# genauth_token always fetches a new token: a given access_token is ignored, so it cannot stand in for the key
# pair of the GENAUTH_* variables either.
UNUSED = ("access_token",)


def token_result(token, lifetime):
    """The module's result for a fetched ``token`` and its ``lifetime`` (``AccessKeyToken.lifetime``)."""
    result = dict(changed=False, access_token=token)
    if lifetime is not None and math.isfinite(lifetime[0]):
        seconds, lapses = lifetime
        result["expires_in"] = int(round(seconds))
        expires_at = utc_iso(lapses)
        if expires_at:
            result["expires_at"] = expires_at
    userpool_id = token_claims(token).get("scoped_userpool_id")
    if isinstance(userpool_id, str) and userpool_id:
        result["userpool_id"] = userpool_id
    return result


def login(options, warn):
    """Fetch a new token with the key pair of checked ``options`` and return :func:`token_result`'s result.

    The token is the result, so it is not added to the values masked in it (``on_secret`` does nothing); the
    action plugin hides the whole result from Ansible's output instead. Raises :class:`GenAuthError`.
    """
    with client_from_options(options, warn, on_secret=lambda value: None, user_agent=user_agent()) as client:
        token = client.authenticate()
        return token_result(token, client.auth.lifetime)


def controller_can_login():
    """True when this process has what logging in needs (the controller's Python may lack a library that the
    Python running the modules has: then the module runs instead)."""
    return not REQUESTS_IMPORT_ERROR and not VOLUPTUOUS_IMPORT_ERROR


def login_here(args, environ, warn):
    """Log in in this process with a task's arguments (``module_defaults`` applied) as the module would: the
    same argument spec, rules, environment variables, messages and result. Returns the task's result.

    :param warn: called with each warning, secrets masked.
    """
    validation = ArgumentSpecValidator(_connection.argument_spec()).validate(dict(args))
    secrets = set(validation._no_log_values)
    if validation.error_messages:
        # The message AnsibleModule gives: the first error, and for an unknown option the module's name.
        msg = validation.errors.msg
        if isinstance(validation.errors[0], UnsupportedError):
            msg = "Unsupported parameters for (genauth.management.genauth_token) module: %s" % msg
        return dict(failed=True, msg=remove_values(msg, secrets))

    def masked_warn(message):
        warn(remove_values(message, frozenset(secrets)))

    result = dict(changed=False)
    try:
        options = checked_options(validation.validated_parameters, environ, checks=CHECKS, on_secret=secrets.add,
                                  unused=UNUSED)
        return login(options, masked_warn)
    except InvalidOptions as exc:
        return dict(failed=True, msg=remove_values(str(exc), secrets))
    except GenAuthError as error:
        return dict(result, failed=True, msg=remove_values(error.msg, secrets), **error.result_fields())
    except Exception as exc:  # pylint: disable=broad-except  # a bug: reported like a module's, not a traceback
        msg, exception = unexpected_error(exc)
        return dict(result, failed=True, msg=remove_values(msg, secrets), exception=remove_values(exception, secrets))

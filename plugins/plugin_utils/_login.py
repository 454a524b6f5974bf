# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""Logging in on the controller: ``genauth_token``'s action plugin runs the module's login (``module_utils/_token``)
in its own process when the task would run there anyway, with the module's argument spec, rules and messages.
Controller-only: no module payload carries this file."""

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.genauth.management.plugins.module_utils import _connection
from ansible_collections.genauth.management.plugins.module_utils._client import REQUESTS_IMPORT_ERROR
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._options import checked_options, unexpected_error
from ansible_collections.genauth.management.plugins.module_utils._token import IGNORED_OPTIONS, TOKEN_CHECKS, login
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    VOLUPTUOUS_IMPORT_ERROR, InvalidOptions,
)


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
        options = checked_options(validation.validated_parameters, environ, checks=TOKEN_CHECKS, on_secret=secrets.add,
                                  unused=IGNORED_OPTIONS)
        return login(options, masked_warn)
    except InvalidOptions as exc:
        return dict(failed=True, msg=remove_values(str(exc), secrets))
    except GenAuthError as error:
        return dict(result, failed=True, msg=remove_values(error.msg, secrets), **error.result_fields())
    except Exception as exc:  # pylint: disable=broad-except  # a bug: reported like a module's, not a traceback
        msg, exception = unexpected_error(exc)
        return dict(result, failed=True, msg=remove_values(msg, secrets), exception=remove_values(exception, secrets))

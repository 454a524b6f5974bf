# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""Log in once: what ``genauth_token`` does."""

import math

from ansible_collections.genauth.management.plugins.module_utils._auth import token_claims, utc_iso
from ansible_collections.genauth.management.plugins.module_utils._client import client_from_options
from ansible_collections.genauth.management.plugins.module_utils._options import user_agent
from ansible_collections.genauth.management.plugins.module_utils._validation import reject

KEY_PAIR_REQUIRED = ("genauth_token gets a new token with the access key pair: give access_key_id and "
                     "access_key_secret (or set GENAUTH_ACCESS_KEY_ID and GENAUTH_ACCESS_KEY_SECRET). An "
                     "access_token is not used here.")


def key_pair_required(options):
    """genauth_token's own check: it needs the key pair, whatever else is given."""
    if not options.get("access_key_id"):
        reject(KEY_PAIR_REQUIRED)
    return options


TOKEN_CHECKS = (key_pair_required,)
# genauth_token always fetches a new token: a given access_token is ignored, so it cannot stand in for the key
# pair of the GENAUTH_* variables either.
IGNORED_OPTIONS = ("access_token",)


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
    # share=False: a token of its own, never one an earlier item of a loop fetched (_client.SHARED).
    with client_from_options(options, warn, on_secret=lambda value: None, user_agent=user_agent(),
                             share=False) as client:
        token = client.authenticate()
        return token_result(token, client.auth.lifetime)

# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The connection and credential options every GenAuth module shares, documented by the doc fragment
``genauth.management.connection``: their argument spec, defaults and ranges, environment variables and rules.

Each default and range is stated here once. The argument spec and the rules use these constants; the doc
fragment, the role and the guides repeat them in prose, and ``tests/unit/test_stated_facts.py`` checks every
such sentence against them.
"""

import os
from urllib.parse import urlsplit, urlunsplit

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.genauth.management.plugins.module_utils._proxy import proxy_url
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    Bounds, given_as_string, has_space_or_control, header_safe_identifier, is_header_safe, reject, seconds, whole_number,
)

DEFAULT_HOST = "https://api.genauth.ai"
TIMEOUT = Bounds(low=0, high=3600, default=30.0)
RETRIES = Bounds(low=0, high=10, default=3)

# Credential options and their environment variables. They are not Ansible fallbacks, because a task's own
# credentials must win over the other kind found in the environment (see credentials_from_environment).
CREDENTIAL_VARIABLES = (
    ("access_key_id", "GENAUTH_ACCESS_KEY_ID"),
    ("access_key_secret", "GENAUTH_ACCESS_KEY_SECRET"),
    ("access_token", "GENAUTH_ACCESS_TOKEN"),
)
# The other options the environment may set, each under one name that the modules (their fallback) and the
# genauth_webhook callback (its configuration) read alike. host keeps Ansible's own fallback, so an empty GENAUTH_HOST
# is refused rather than replaced by the default host; for these, a variable set to an empty string counts as not set
# (AWX injects one for a credential field left empty).
SETTING_VARIABLES = (
    ("validate_certs", "GENAUTH_VALIDATE_CERTS"),
    ("ca_path", "GENAUTH_CA_PATH"),
    ("use_proxy", "GENAUTH_USE_PROXY"),
    ("proxy_url", "GENAUTH_PROXY_URL"),
)


def set_in_environment(*names, **kwargs):
    """An Ansible fallback: the first of ``names`` set to a non-empty value in the environment."""
    environ = kwargs.get("environ", os.environ)
    for name in names:
        if environ.get(name):
            return environ[name]
    raise AnsibleFallbackNotFound


def _from(option):
    return (set_in_environment, [dict(SETTING_VARIABLES)[option]])


def argument_spec(**module_options):
    """The options every GenAuth module shares, updated with the module's own."""
    spec = dict(
        host=dict(type="str", default=DEFAULT_HOST, fallback=(env_fallback, ["GENAUTH_HOST"])),
        # Ids are raw, so that their rules refuse what YAML did not read as a string instead of Ansible converting it.
        access_key_id=dict(type="raw", no_log=False),
        access_key_secret=dict(type="str", no_log=True),
        access_token=dict(type="str", no_log=True),
        userpool_id=dict(type="raw"),
        validate_certs=dict(type="bool", default=True, fallback=_from("validate_certs")),
        ca_path=dict(type="path", fallback=_from("ca_path")),
        use_proxy=dict(type="bool", default=True, fallback=_from("use_proxy")),
        # It may hold the proxy's password: hidden whole, wherever Ansible shows the task's options.
        proxy_url=dict(type="str", no_log=True, fallback=_from("proxy_url")),
        timeout=dict(type="float", default=TIMEOUT.default),
        retries=dict(type="int", default=RETRIES.default),
    )
    spec.update(module_options)
    return spec


def credentials_from_environment(params, environ):
    """Fill the credential options the task left unset from GENAUTH_* variables; return the secrets used.

    The task's own credentials win. A task that gives no credential takes every GENAUTH_* credential variable
    that is set (the token, the key pair, or both). A task that gives some takes from the environment only
    the missing half of a key pair it started; it never gains a kind of credential it did not give: with
    access_token alone, the key pair variables are ignored, and with the key pair, GENAUTH_ACCESS_TOKEN is.
    """
    pair_given = bool(params.get("access_key_id") or params.get("access_key_secret"))
    token_given = bool(params.get("access_token"))
    used = []
    for option, variable in CREDENTIAL_VARIABLES:
        if option == "access_token":
            from_environment = not token_given and not pair_given
        else:
            from_environment = pair_given or not token_given
        value = environ.get(variable)
        if not params.get(option) and from_environment and value:
            params[option] = value
            if option != "access_key_id":  # the id is not a secret (it is the user pool id)
                used.append(value)
    return used


def host_url(value):
    """An http(s) base URL without query, fragment or credentials; trailing slashes dropped, path prefix kept."""
    if not isinstance(value, str) or not value.strip():
        reject("must be an http or https URL such as %s" % DEFAULT_HOST)
    parts = urlsplit(value.strip())
    if has_space_or_control(value.strip()):
        reject("must not contain whitespace or control characters")
    if parts.scheme.lower() not in ("http", "https"):
        reject("must start with http:// or https://")
    if not parts.hostname:
        reject("must name a host, as in %s" % DEFAULT_HOST)
    if parts.username is not None or parts.password is not None:
        reject("must not contain credentials; use access_key_id and access_key_secret")
    if parts.query or parts.fragment or value.strip().endswith(("?", "#")):
        reject("must not contain a query string or fragment")
    try:
        parts.port
    except ValueError:
        reject("has an invalid port")
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path.rstrip("/"), "", ""))


def token_text(value):
    """A bearer token: visible ASCII, as it travels in the Authorization header. The value is never quoted."""
    if value != "" and not is_header_safe(value):
        reject("must contain only visible ASCII characters, without whitespace (check for a stray newline)")
    return value


def existing_path(value):
    if value == "":
        return None  # an empty path is no path, as an empty GENAUTH_CA_PATH is
    if not os.path.exists(value):
        reject("%s does not exist" % value)
    return value


def credential_rule(params):
    """A key pair given whole, an access_token, or both (the token is used first and the key pair replaces it
    when it expires or is rejected: see ``_auth.TokenWithKeyPair``); empty strings count as not given."""
    key_id, key_secret, token = (params.get(name) or None for name in
                                 ("access_key_id", "access_key_secret", "access_token"))
    if bool(key_id) != bool(key_secret):
        reject("access_key_id and access_key_secret must be given together (missing: %s)"
               % ("access_key_secret" if key_id else "access_key_id"))
    if not key_id and not token:
        reject("no credentials: give access_key_id and access_key_secret (or set GENAUTH_ACCESS_KEY_ID and "
               "GENAUTH_ACCESS_KEY_SECRET), or access_token (GENAUTH_ACCESS_TOKEN), or both")
    return params


RULES = {
    "host": host_url,
    "access_key_id": given_as_string,
    "userpool_id": header_safe_identifier,
    "access_token": token_text,
    "ca_path": existing_path,
    "proxy_url": proxy_url,
    "timeout": seconds(TIMEOUT),
    "retries": whole_number(RETRIES),
}

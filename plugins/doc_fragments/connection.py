# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    """Connection and authentication options shared by every GenAuth module (see _connection.argument_spec)."""

    DOCUMENTATION = r"""
options:
  host:
    description:
      - Base URL of the GenAuth Management API.
      - Use V(https://api.genauth.ai) for GenAuth, V(https://api.authing.cn) for Authing, or the address of a
        private deployment. A path prefix is kept, a trailing slash is ignored; a query string, a fragment or
        credentials in the URL are refused.
      - If not set, the environment variable E(GENAUTH_HOST) is used.
    type: str
    default: https://api.genauth.ai
  access_key_id:
    description:
      - Access key ID used to get a management token. For a user pool key this is the user pool ID.
      - Give it with O(access_key_secret), or give O(access_token) instead, or both (see O(access_token)).
      - If not set, the environment variable E(GENAUTH_ACCESS_KEY_ID) is used, unless the task gives
        O(access_token) without any part of the key pair.
    type: str
  access_key_secret:
    description:
      - Secret of the access key (the user pool secret, or a role's access key secret).
      - Never shown in output or results.
      - If not set, the environment variable E(GENAUTH_ACCESS_KEY_SECRET) is used, unless the task gives
        O(access_token) without any part of the key pair.
    type: str
  access_token:
    description:
      - An already-issued management token, for example from M(genauth.management.genauth_token).
      - Given alone, it is used as given; a rejected token fails the task.
      - Given with O(access_key_id) and O(access_key_secret), it is used first; when it has expired (its C(exp)
        claim says it lapses within 30 seconds, or within half its lifetime if that is shorter) or the API
        rejects it (401), the key pair fetches a new token, once, with a warning.
      - Never shown in output or results.
      - If not set, the environment variable E(GENAUTH_ACCESS_TOKEN) is used, unless the task gives
        O(access_key_id) or O(access_key_secret).
      - Must be visible ASCII without whitespace (a stray newline from a file is refused, not sent).
    type: str
  userpool_id:
    description:
      - User pool ID sent in the C(x-genauth-userpool-id) and C(x-authing-userpool-id) headers.
      - If not set, it is read from the management token's C(scoped_userpool_id) claim.
      - Must be visible ASCII, as it is sent in HTTP headers.
    type: str
  validate_certs:
    description:
      - Verify the API server's TLS certificate.
      - Only set to V(false) against a test server; use O(ca_path) for a private CA instead.
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM CA bundle (or a directory of CA certificates) used to verify the API server, for
        private deployments whose certificate is not signed by a public CA.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP connection and each answer.
      - Must be greater than V(0) and at most V(3600).
    type: float
    default: 30
  retries:
    description:
      - How many times a failed call is retried, with exponential backoff and jitter, honouring
        C(Retry-After) (capped at 60 seconds). A warning is added for each retry.
      - Only failures that prove the call was not processed are retried (the connection could not be made,
        or the server answered 429 or 503). A timeout or a dropped connection after the request was sent,
        or any other error, is never retried, so a retry never repeats a call that may have taken effect.
      - Must be between V(0) and V(10).
    type: int
    default: 3
notes:
  - "All options of this group can be set once for a play with
    C(module_defaults: {group/genauth.management.genauth: {...}})."
  - TLS certificates are verified by default, unlike in GenAuth's official SDKs.
requirements:
  - requests
  - voluptuous
"""

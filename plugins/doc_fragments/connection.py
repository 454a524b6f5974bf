# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    """Connection and authentication options shared by every GenAuth module (see _connection.argument_spec) and
    the genauth_webhook callback, which adds where each is set (``CALLBACK``)."""

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
      - A string; a value that is not one, such as a number, is refused rather than converted. Quote an ID made
        of digits, since YAML reads unquoted digits as a number.
    type: raw
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
      - Must be a string of visible ASCII, as it is sent in HTTP headers. A value that is not a string, such as
        a number, is refused rather than converted; quote an ID made of digits.
    type: raw
  validate_certs:
    description:
      - Verify the API server's TLS certificate.
      - Only set to V(false) against a test server; use O(ca_path) for a private CA instead.
      - If not set, the environment variable E(GENAUTH_VALIDATE_CERTS) is used (an empty one counts as not set).
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM CA bundle (or a directory of CA certificates) used to verify the API server, for
        private deployments whose certificate is not signed by a public CA, or behind a proxy that inspects TLS
        and signs what it forwards with a CA of its own.
      - If not set, the environment variable E(GENAUTH_CA_PATH) is used (an empty one counts as not set).
    type: path
  use_proxy:
    description:
      - If V(false), the calls go straight to O(host), through no proxy, whatever O(proxy_url) and the environment
        say.
      - If V(true), they go through O(proxy_url) when it is set, else through the proxy the environment names, as
        C(requests) reads it (E(HTTPS_PROXY) for an https O(host), E(HTTP_PROXY) for an http one, else
        E(ALL_PROXY), unless E(NO_PROXY) lists the host; each in upper or lower case, the lower case winning). That
        is the environment of the process that makes the calls, where the task runs (see the notes).
      - If not set, the environment variable E(GENAUTH_USE_PROXY) is used (an empty one counts as not set).
    type: bool
    default: true
  proxy_url:
    description:
      - The proxy every call goes through, as V(http://proxy.example.com:3128), whatever E(HTTPS_PROXY),
        E(HTTP_PROXY) and E(NO_PROXY) say; for a task that must choose its own proxy. O(use_proxy=false) wins over
        it.
      - An V(http) or V(https) URL naming the proxy's host and port, without a path. The proxy's credentials, if it
        wants them, go in it as V(http://user:password@proxy.example.com:3128), special characters
        percent-encoded.
      - Never shown in output or results, nor are the credentials of a proxy the environment names; messages name
        the proxy without them.
      - If not set, the environment variable E(GENAUTH_PROXY_URL) is used (an empty one counts as not set).
    type: str
  timeout:
    description:
      - The most seconds one HTTP request to the API may take, from connecting to the last byte of the answer.
        A server that answers late, or a byte at a time, is cut off then.
      - A call is sent at most 1 + O(retries) times, each attempt within O(timeout), with the waits between
        attempts that O(retries) describes.
      - Must be greater than V(0) and at most V(3600).
    type: float
    default: 30
  retries:
    description:
      - How many times a failed call is retried, with exponential backoff and jitter, honouring
        C(Retry-After) (capped at 60 seconds). A warning is added for each retry.
      - Failures that prove the call was not processed are retried (the connection could not be made, to the API or
        to the proxy; a proxy answered 502, 503 or 504 to the request for a tunnel to the API, or hung up on it; or
        the server answered 429 or 503). A proxy that wants credentials (407) or forbids the host is not retried.
      - Calls that are safe to repeat (reading, updating or deleting a webhook, and getting a token) are also
        retried after a timeout or a dropped connection once the request was sent, and after HTTP 502 or 504.
      - Calls that are not (triggering or creating a webhook) never are, so a retry never repeats a trigger or
        a create that may have taken effect.
      - Must be between V(0) and V(10).
    type: int
    default: 3
notes:
  - TLS certificates are verified by default, unlike in GenAuth's official SDKs.
  - Proxies are those of the environment where the calls are made (see O(use_proxy)), that is where the module runs,
    usually the controller, or the controller's own process for M(genauth.management.genauth_token) on
    C(localhost). Give a proxy's credentials in that environment or in O(proxy_url), not with the task's
    C(environment) keyword, which Ansible shows in its command lines at C(-vvv). What a proxy refuses (its
    credentials, a host it forbids, a host it cannot reach) fails with a message that names the proxy, never the
    advice meant for the API.
  - An answer larger than 8 MiB, counted after decompression, is refused with an error naming the limit, and a
    list is read in at most 100 pages, so that no server can exhaust the controller's memory or keep a task
    reading.
requirements:
  - requests
  - voluptuous
"""

    # genauth.management.connection.callback: where the genauth_webhook callback reads the options above. Every
    # option the modules read from the environment comes from the same GENAUTH_* variable here (_connection's
    # CREDENTIAL_VARIABLES, SETTING_VARIABLES and the host's fallback); the other options have variables of the
    # callback's own, since the modules have none for them. The callback's former names of two of them are deprecated
    # (listed first, so that the modules' name wins when both are set).
    CALLBACK = r"""
options:
  host:
    env:
      - name: GENAUTH_HOST
    ini:
      - section: callback_genauth_webhook
        key: host
  access_key_id:
    env:
      - name: GENAUTH_ACCESS_KEY_ID
    ini:
      - section: callback_genauth_webhook
        key: access_key_id
  access_key_secret:
    env:
      - name: GENAUTH_ACCESS_KEY_SECRET
    ini:
      - section: callback_genauth_webhook
        key: access_key_secret
  access_token:
    env:
      - name: GENAUTH_ACCESS_TOKEN
    ini:
      - section: callback_genauth_webhook
        key: access_token
  userpool_id:
    env:
      - name: GENAUTH_CALLBACK_USERPOOL_ID
    ini:
      - section: callback_genauth_webhook
        key: userpool_id
  validate_certs:
    env:
      - name: GENAUTH_CALLBACK_VALIDATE_CERTS
        deprecated:
          why: the modules and the callback read one name for each setting
          version: 2.0.0
          collection_name: genauth.management
          alternatives: GENAUTH_VALIDATE_CERTS
      - name: GENAUTH_VALIDATE_CERTS
    ini:
      - section: callback_genauth_webhook
        key: validate_certs
  ca_path:
    env:
      - name: GENAUTH_CALLBACK_CA_PATH
        deprecated:
          why: the modules and the callback read one name for each setting
          version: 2.0.0
          collection_name: genauth.management
          alternatives: GENAUTH_CA_PATH
      - name: GENAUTH_CA_PATH
    ini:
      - section: callback_genauth_webhook
        key: ca_path
  use_proxy:
    env:
      - name: GENAUTH_USE_PROXY
    ini:
      - section: callback_genauth_webhook
        key: use_proxy
  proxy_url:
    env:
      - name: GENAUTH_PROXY_URL
    ini:
      - section: callback_genauth_webhook
        key: proxy_url
  timeout:
    env:
      - name: GENAUTH_CALLBACK_TIMEOUT
    ini:
      - section: callback_genauth_webhook
        key: timeout
  retries:
    env:
      - name: GENAUTH_CALLBACK_RETRIES
    ini:
      - section: callback_genauth_webhook
        key: retries
"""

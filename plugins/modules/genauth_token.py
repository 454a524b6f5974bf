#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: genauth_token
short_description: Get a GenAuth management token once, for the later tasks of a play
version_added: 0.1.0
description:
  - Gets a management token with the access key pair (C(POST /api/v3/get-management-token)) and returns it
    with its lifetime, so that later tasks can use it as O(access_token) instead of each getting its own.
  - "The usual pattern is to run this module once, with C(no_log: true) on the task, then set
    O(access_token) for the rest of the play with C(module_defaults) for C(group/genauth.management.genauth).
    Each later task then saves the token call, and GenAuth's rate limit counts one call fewer per task."
  - Give the key pair in C(module_defaults) too, beside O(access_token); then a task whose token has expired (its
    C(exp) claim) or is rejected then fetches a new one with the key pair, once, with a warning, instead of
    failing.
  - Always fetches a new token with the access key pair. O(access_token) and E(GENAUTH_ACCESS_TOKEN) are not
    used by this module.
  - "The task's result is hidden from Ansible's output, as with C(no_log), because it holds the token; the
    registered variable keeps every field. Put C(no_log: true) on the task all the same: it also keeps the
    token out of any callback or log that records results before they are hidden."
  - A failure holds no token, so the module does not hide it; C(no_log) on the task hides its message too, so
    remove C(no_log) while you find out why the module fails.
author:
  - genauth.management maintainers (@genauth-ansible)
extends_documentation_fragment:
  - genauth.management.connection
  - genauth.management.attributes
  - genauth.management.attributes.actiongroup_genauth
attributes:
  check_mode:
    support: full
    details:
      - Getting a token changes nothing, so check mode gets one too, and later tasks can use it in check mode.
  diff_mode:
    support: none
notes:
  - The action plugin of the same name hides the result from Ansible's output while it holds the token (the
    registered variable keeps it); a failure, which holds none, is shown. It refuses C(async), whose result
    would reach Ansible's output without it.
  - O(access_key_id) and O(access_key_secret) are required here, given in the task, through
    C(module_defaults), or as E(GENAUTH_ACCESS_KEY_ID) and E(GENAUTH_ACCESS_KEY_SECRET).
  - The module always reports RV(ignore:changed=false).
seealso:
  - module: genauth.management.genauth_webhook_trigger
  - name: Logging in once
    description: One token for many tasks, what the lookup gives, and logging in again mid-play.
    link: https://github.com/genauth-ansible/genauth.management/blob/main/docs/docsite/rst/login_once.rst
"""

EXAMPLES = r"""
# In a play whose module_defaults for group/genauth.management.genauth set host, access_key_id and
# access_key_secret (from a vault):
- name: Get a management token once
  genauth.management.genauth_token:
  register: genauth_login
  no_log: true

- name: Use it in every later GenAuth task; the key pair stays, to replace the token if it expires mid-play
  module_defaults:
    group/genauth.management.genauth:
      host: https://api.genauth.ai
      access_token: "{{ genauth_login.access_token }}"
      access_key_id: "{{ vault_genauth_access_key_id }}"
      access_key_secret: "{{ vault_genauth_access_key_secret }}"
  block:
    - name: Trigger each release webhook with one API call each
      genauth.management.genauth_webhook_trigger:
        webhook_id: "{{ item }}"
        lookup_webhook: false
        request_body:
          event: deployment.finished
      loop: "{{ release_webhook_ids }}"

- name: Say when the token lapses, without showing the token
  ansible.builtin.debug:
    msg: "Token for user pool {{ genauth_login.userpool_id }} valid until {{ genauth_login.expires_at }}"
"""

RETURN = r"""
access_token:
  description:
    - The management token. Pass it to later tasks as O(access_token) (best with C(module_defaults)).
    - Hidden from Ansible's output with the rest of the result; never print it.
  returned: success
  type: str
  sample: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZWRfdXNlcnBvb2xfaWQiOiI2MjI5ZmZhIn0.c2lnbmF0dXJl
expires_in:
  description: How many seconds the token is valid from when it was issued, as GenAuth stated it.
  returned: success, when GenAuth states it or the token has an C(exp) claim
  type: int
  sample: 7200
expires_at:
  description: When the token lapses, in ISO 8601, UTC.
  returned: success, when RV(expires_in) is returned
  type: str
  sample: "2026-05-01T14:00:00Z"
userpool_id:
  description: The user pool the token is for, from its C(scoped_userpool_id) claim.
  returned: success, when the token carries the claim
  type: str
  sample: 6229ffaxxxxxxxxcade3e3d9
"""

from ansible_collections.genauth.management.plugins.module_utils._module import GenAuthModule
from ansible_collections.genauth.management.plugins.module_utils._token import IGNORED_OPTIONS, TOKEN_CHECKS, login


def main():
    module = GenAuthModule(argument_spec={}, checks=TOKEN_CHECKS, unused=IGNORED_OPTIONS, supports_check_mode=True)
    result = dict(changed=False)
    with module.reporting_errors(result):
        result = login(module.options, module.warn)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

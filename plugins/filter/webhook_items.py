# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: webhook_items
short_description: Build the webhooks to trigger from targets and a common request body
version_added: 0.1.0
author:
  - genauth.management maintainers (@genauth-ansible)
description:
  - Turns a list of targets into the items of the O(genauth.management.genauth_webhook_trigger#module:webhooks)
    option of M(genauth.management.genauth_webhook_trigger).
  - Each item gets O(payload) as its request body, with the target's own C(request_body) merged over it
    recursively, as C(ansible.builtin.combine(recursive=true)) merges (dictionaries are merged key by key, any other
    value of the target replaces the payload's).
  - The C(deploy_webhooks) role uses it to send every target the deployment payload.
positional: payload
options:
  _input:
    description:
      - The targets, each a dictionary with C(webhook_id), and optionally C(request_headers) and C(request_body)
        (a dictionary, or a string holding a JSON object). Other keys, such as C(name), are left out.
    type: list
    elements: dict
    required: true
  payload:
    description: The request body every target gets. Nothing when left out.
    type: dict
"""

EXAMPLES = r"""
- name: Send every subscriber the release, and the audit log its retention too
  genauth.management.genauth_webhook_trigger:
    webhooks: "{{ targets | genauth.management.webhook_items(payload) }}"
  vars:
    payload:
      event: deployment.finished
      version: 2.4.0
    targets:
      - webhook_id: 6229ffaxxxxxxxxcade3e3d9
        request_headers:
          X-Team: payments
      - webhook_id: 62a0b1cxxxxxxxx0f1e2d3c4
        request_body:
          retention_days: 365
  # The second webhook gets {"event": "deployment.finished", "version": "2.4.0", "retention_days": 365}.
"""

RETURN = r"""
_value:
  description:
    - One item per target, in the same order, with C(webhook_id), C(request_body) and, when the target gives
      them, C(request_headers).
  type: list
  elements: dict
"""

import json
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence
from ansible.utils.vars import merge_hash


def webhook_items(targets, payload=None):
    """The ``webhooks`` items for ``targets``: each target's request_body merged recursively over ``payload``."""
    if not is_sequence(targets):
        raise AnsibleFilterError("webhook_items: the input must be a list of targets, not %s" % _json_kind(targets))
    if payload is not None and not isinstance(payload, Mapping):
        raise AnsibleFilterError("webhook_items: the payload must be a dictionary, not %s" % _json_kind(payload))
    items = []
    for index, target in enumerate(targets):
        if not isinstance(target, Mapping) or "webhook_id" not in target:
            raise AnsibleFilterError("webhook_items: target %d must be a dictionary with webhook_id" % index)
        item = {"webhook_id": target["webhook_id"],
                "request_body": merge_hash(payload or {}, _body(index, target.get("request_body")), recursive=True)}
        if target.get("request_headers") is not None:
            item["request_headers"] = target["request_headers"]
        items.append(item)
    return items


def _body(index, body):
    """A target's own request_body as a dictionary: a dictionary, a string holding a JSON object, or nothing
    (any empty value, as ``default({}, true)`` takes it)."""
    if not body:
        return {}
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise AnsibleFilterError("webhook_items: the request_body of target %d is not valid JSON (%s)" % (index, exc))
    if not isinstance(body, Mapping):
        raise AnsibleFilterError("webhook_items: the request_body of target %d must be a JSON object (a dictionary), "
                                 "not %s" % (index, _json_kind(body)))
    return body


def _json_kind(value):
    """What a value is, in JSON's words (Ansible hands filters its own list and number types)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if is_sequence(value) else type(value).__name__


class FilterModule(object):
    def filters(self):
        return {"webhook_items": webhook_items}

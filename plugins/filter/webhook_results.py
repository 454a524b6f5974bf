# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: webhook_results
short_description: One named outcome per target from a registered trigger of several webhooks
version_added: 0.1.0
author:
  - genauth.management maintainers (@genauth-ansible)
description:
  - Pairs the RV(genauth.management.genauth_webhook_trigger#module:results) of a registered
    M(genauth.management.genauth_webhook_trigger) task that used
    O(genauth.management.genauth_webhook_trigger#module:webhooks) with the targets it was given, in order.
  - Every target gets an entry, also when the task failed before trying any webhook. Such an entry is failed,
    with the task's C(msg).
  - "When the module refused the options of some targets, each of those gets its own refusal, worded for the
    target (C(request_headers['X-A']) rather than C(webhooks[1]['request_headers']['X-A'])), and each other target
    says which targets' options kept anything from being sent."
  - The C(deploy_webhooks) role uses it to set C(deploy_webhooks_results).
positional: targets
options:
  _input:
    description: The registered result of the trigger task (it may have been skipped or have failed).
    type: dict
    required: true
  targets:
    description: The targets the task was given, in the same order, each with C(webhook_id) and optionally C(name).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Trigger the webhooks without failing yet
  genauth.management.genauth_webhook_trigger:
    webhooks: "{{ targets | genauth.management.webhook_items }}"
  register: triggered
  failed_when: false

- name: Name each outcome after its target
  ansible.builtin.set_fact:
    outcomes: "{{ triggered | genauth.management.webhook_results(targets) }}"
  # [{"name": "change-board", "webhook_id": "6229...", "failed": false, "msg": "Triggered", "response": ...}, ...]
"""

RETURN = r"""
_value:
  description: One entry per target, in the order of the targets.
  type: list
  elements: dict
  contains:
    webhook_id:
      description: The target's webhook ID.
      type: str
    name:
      description: The target's C(name), or its webhook ID when it has none.
      type: str
    response:
      description: The subscriber's answer (the API's C(data.response)), or V(null) when the webhook was not triggered.
      type: raw
    status_code:
      description: The envelope's C(statusCode) (of the error, when it failed), or V(null).
      type: int
    request_id:
      description: The envelope's C(requestId), or V(null).
      type: str
    failed:
      description: Whether triggering this target failed.
      type: bool
    msg:
      description: What happened (V(Triggered), V(Would trigger (check mode)), or the error and what to do).
      type: str
    request:
      description: In check mode only, the trigger request that would have been sent.
      type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.genauth.management.plugins.module_utils._validation import REFUSAL_PREFIX, item_refusals

NOT_TRIGGERED = "not triggered"


def webhook_results(triggered, targets):
    """One entry per target from the registered ``triggered`` result of a trigger task with ``webhooks``."""
    if not isinstance(triggered, Mapping):
        raise AnsibleFilterError("webhook_results: the input must be the registered result of a task (a dictionary)")
    if not is_sequence(targets):
        raise AnsibleFilterError("webhook_results: targets must be the list of targets the task was given")
    outcomes = triggered.get("results") or []
    untried = _untried_messages(triggered, targets) if not outcomes else {}
    entries = []
    for index, target in enumerate(targets):
        outcome = outcomes[index] if index < len(outcomes) else {}
        entry = {
            "webhook_id": target["webhook_id"],
            "name": _name(target),
            "response": outcome.get("response"),
            "status_code": outcome.get("status_code"),
            "request_id": outcome.get("request_id"),
            "failed": outcome.get("failed", True),
            "msg": outcome.get("msg", untried.get(index, triggered.get("msg", NOT_TRIGGERED))),
        }
        if "request" in outcome:
            entry["request"] = outcome["request"]
        entries.append(entry)
    return entries


def _name(target):
    return target.get("name") or target["webhook_id"]


def _untried_messages(triggered, targets):
    """What each target of a task that tried nothing is told, by index, when the module refused the options of
    some items of ``webhooks``: its own refusal, or which targets' refusals kept it from being sent. Empty for
    any other failure, which concerns every target alike (the task's ``msg``)."""
    by_item, others = item_refusals(triggered.get("msg"), "webhooks")
    if not by_item:
        return {}
    refused = [index for index in sorted(by_item) if index < len(targets)]
    messages = {}
    for index in range(len(targets)):
        if index in by_item:
            messages[index] = REFUSAL_PREFIX + "; ".join(by_item[index] + others)
        else:
            messages[index] = "not triggered: nothing was sent, because the options of %s were refused" % (
                ", ".join(str(_name(targets[culprit]) or "target %d" % culprit) for culprit in refused) or "another target")
            if others:
                messages[index] += "; " + REFUSAL_PREFIX + "; ".join(others)
    return messages


class FilterModule(object):
    def filters(self):
        return {"webhook_results": webhook_results}

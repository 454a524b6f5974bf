#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: genauth_webhook_trigger
short_description: Trigger a GenAuth webhook and return the subscriber's response
version_added: 0.1.0
description:
  - Triggers a webhook of a GenAuth (or Authing) user pool through the Management API V3
    (C(POST /api/v3/trigger-webhook)), with optional request headers and body for the subscriber.
  - Gets a management token with the access key pair first, unless O(access_token) is given.
  - Looks the webhook up first (C(GET /api/v3/get-webhook)), so an unknown webhook fails before anything is sent
    and the webhook's secret can be masked wherever the subscriber's answer might echo it. O(lookup_webhook=false)
    skips the lookup, for one API call per trigger.
  - Returns the API's response data unchanged in RV(response), so later tasks can use it.
author:
  - genauth.management maintainers (@genauth-ansible)
extends_documentation_fragment:
  - genauth.management.connection
  - genauth.management.attributes
  - genauth.management.attributes.actiongroup_genauth
attributes:
  check_mode:
    support: partial
    details:
      - In check mode the module gets a token and looks the webhook up, proving that the credentials work and
        the webhook exists, but triggers nothing. It returns RV(webhook) and RV(request), not RV(response).
        The lookup happens in check mode even with O(lookup_webhook=false).
  diff_mode:
    support: none
options:
  webhook_id:
    description:
      - ID of the webhook to trigger.
      - Must not be empty, longer than 256 characters, or contain whitespace or control characters.
      - Must be a string. A list or a number, for example, is refused rather than converted. Quote an ID
        made of digits, since YAML reads unquoted digits as a number (C(0123) even as the octal number 83); in a
        template, C(| string) makes a number a string.
      - Give either O(webhook_id) or O(webhooks).
    type: raw
  request_headers:
    description:
      - HTTP headers for GenAuth to send to the webhook's subscriber, as header name to value.
      - Names must be valid HTTP header names (and unique, ignoring case). Values must be strings, numbers or
        booleans; numbers and booleans are sent as strings (V(true), V(false)). Values containing CR, LF, NUL or
        other control characters, or characters outside Latin-1, are refused.
      - Only with O(webhook_id); each item of O(webhooks) has its own.
    type: dict
  request_body:
    description:
      - Body for GenAuth to send to the webhook's subscriber.
      - A JSON object, given as a dictionary or as a string that parses as a JSON object. Anything else is
        refused. At most 1 MiB once encoded as JSON.
      - Only with O(webhook_id); each item of O(webhooks) has its own.
    type: raw
  webhooks:
    description:
      - Several webhooks to trigger in one task, instead of O(webhook_id). They share one management token
        and one pool of keep-alive connections, and up to O(concurrency) are triggered at the same time.
      - Every item is tried, even when others fail; each failure adds a warning, and the task then fails,
        naming each failed item. RV(results) holds one entry per item, in the order given, on success and on
        failure (so a task with C(failed_when) or C(ignore_errors) can still read it).
      - The management token is fetched once, first; if that fails, no item is tried and every entry of
        RV(results) carries that error.
      - Each item is validated with the same rules as a single trigger, before anything is sent. At most
        1000 items.
      - The webhooks are looked up together, in as few calls as the API allows, before the first trigger;
        first the first page of C(list-webhooks) (50 webhooks a page), then the other pages when they are fewer calls
        than a C(get-webhook) for each webhook not found yet, otherwise a C(get-webhook) for each of those.
        A webhook that no page lists is looked up with C(get-webhook), which reports it unknown. So is a
        webhook that the list shows without its secret (omitted or masked), so that the secret is known and
        masked in RV(response) as for a single trigger. If C(list-webhooks) fails or answers something
        that is not a list of webhooks, every webhook is looked up with C(get-webhook).
    type: list
    elements: dict
    suboptions:
      webhook_id:
        description: ID of the webhook to trigger, a string, with the rules of O(webhook_id).
        type: raw
        required: true
      request_headers:
        description: Headers for the subscriber, with the rules of O(request_headers).
        type: dict
      request_body:
        description: Body for the subscriber, with the rules of O(request_body).
        type: raw
  lookup_webhook:
    description:
      - Look each webhook up before triggering it.
      - V(false) skips the lookup, so that a trigger given O(access_token) costs one API call (and one call of
        GenAuth's rate limit) instead of two. This gives up four things.
      - First, RV(webhook) is not returned.
      - Second, a webhook secret that the subscriber echoes back in its answer cannot be masked in
        RV(response), because the module never learns the secret.
      - Third, an unknown webhook is reported by the trigger call's own error (C(trigger-webhook) answers that
        the webhook is not found) rather than by the lookup's; nothing is delivered either way.
      - Fourth, no warning says that a webhook is disabled.
      - In check mode the lookup always happens, because it is all that check mode can prove.
      - With O(webhooks), the lookups are made together before any trigger (see O(webhooks)).
    type: bool
    default: true
  concurrency:
    description:
      - With O(webhooks), how many webhooks are triggered at the same time; V(1) triggers them one after the
        other. Ignored with O(webhook_id).
      - Each trigger waits for the subscriber's answer, so a higher value helps when subscribers are slow;
        GenAuth's rate limit (HTTP 429, retried per item) is the reason for a limit.
      - Must be between V(1) and V(32).
    type: int
    default: 16
notes:
  - Triggering a webhook is not idempotent, so the module always reports RV(ignore:changed=true) when it
    succeeds. Use C(changed_when) to change that.
  - Only failures that prove the trigger was not processed are retried (see O(retries)), so a retry delivers a
    webhook a second time only if the server answered 429 or 503 after it had processed the trigger.
  - Invalid options are refused before any network call, with a message naming the option and the rule.
  - A webhook that is disabled is still looked up and triggered; the module warns about it.
  - Retries (see O(retries)) and check mode apply to each item of O(webhooks) as they do to a single trigger.
seealso:
  - name: GenAuth Management API, trigger webhook
    description: The API call this module makes.
    link: https://docs.genauth.ai/
  - name: Guarantees
    description: Which failures are retried and why, the bounds on what a server may send, TLS and secrets.
    link: https://github.com/genauth-ansible/genauth.management/blob/main/docs/docsite/rst/guarantees.rst
  - name: Troubleshooting
    description: Each error message, its cause, and what to do.
    link: https://github.com/genauth-ansible/genauth.management/blob/main/docs/docsite/rst/troubleshooting.rst
"""

EXAMPLES = r"""
- name: Tell the webhook that version 1.4.2 is deployed, and keep the subscriber's answer
  genauth.management.genauth_webhook_trigger:
    host: https://api.genauth.ai
    access_key_id: "{{ genauth_access_key_id }}"
    access_key_secret: "{{ genauth_access_key_secret }}"
    webhook_id: 6229ffaxxxxxxxxcade3e3d9
    request_headers:
      X-Deploy-Id: "{{ deploy_id }}"
    request_body:
      event: deployment.finished
      application: billing
      version: 1.4.2
  register: deploy_hook

- name: Use the subscriber's answer in a later task
  ansible.builtin.debug:
    msg: "The change ticket is {{ deploy_hook.response.ticket }} (request {{ deploy_hook.request_id }})"

- name: Credentials from the environment (GENAUTH_HOST, GENAUTH_ACCESS_KEY_ID, GENAUTH_ACCESS_KEY_SECRET)
  genauth.management.genauth_webhook_trigger:
    webhook_id: 6229ffaxxxxxxxxcade3e3d9
    request_body: '{"event": "cache.flush"}'

- name: One API call per trigger, with a token from genauth.management.genauth_token and no lookup
  genauth.management.genauth_webhook_trigger:
    access_token: "{{ genauth_login.access_token }}"
    webhook_id: "{{ item }}"
    lookup_webhook: false
    request_body:
      event: deployment.finished
  loop: "{{ release_webhook_ids }}"

- name: Check that the credentials work and the webhook exists, without triggering it
  genauth.management.genauth_webhook_trigger:
    webhook_id: 6229ffaxxxxxxxxcade3e3d9
  check_mode: true
  register: preflight

- name: Trigger several webhooks in one task, four at a time, and fail only after trying all of them
  genauth.management.genauth_webhook_trigger:
    webhooks:
      - webhook_id: 6229ffaxxxxxxxxcade3e3d9
        request_body:
          event: deployment.finished
          version: 1.4.2
      - webhook_id: 62a0b1cxxxxxxxx0f1e2d3c4
        request_headers:
          X-Team: payments
    concurrency: 4
  register: deploy_hooks

- name: Use each subscriber's answer (results are in the order of webhooks)
  ansible.builtin.debug:
    msg: "{{ item.webhook_id }}: {{ item.response }}"
  loop: "{{ deploy_hooks.results }}"
  loop_control:
    label: "{{ item.webhook_id }}"

- name: Set the connection once for every GenAuth task of a block (or a whole play)
  module_defaults:
    group/genauth.management.genauth:
      host: https://genauth.example.internal/prefix
      access_key_id: "{{ vault_genauth_access_key_id }}"
      access_key_secret: "{{ vault_genauth_access_key_secret }}"
      ca_path: /etc/pki/internal-ca.pem
  block:
    - name: Trigger the release webhook
      genauth.management.genauth_webhook_trigger:
        webhook_id: 6229ffaxxxxxxxxcade3e3d9
        request_body:
          release: "{{ release_version }}"
      changed_when: false
"""

RETURN = r"""
response:
  description:
    - The API's C(data.response), unchanged; GenAuth documents it as the response data of the webhook's
      subscriber (a JSON value, or text).
    - Any occurrence of the webhook's secret, the access key secret or a token is masked, in keys as in values.
    - Parts nested more than 64 levels deep (counted from the top of the API's answer) are replaced by a
      string saying they were omitted, with a warning.
    - Left out, with a warning, when the lookup showed no secret (the field is absent or masked), since the
      subscriber's answer might echo the secret, which could not be masked.
  returned: success, when not in check mode
  type: raw
  sample: {"received": true, "ticket": "CHG-1234"}
status_code:
  description:
    - The envelope's business C(statusCode); V(200) on success.
    - On failure, the C(statusCode) of the error (or the HTTP status when no envelope came back).
  returned: success, when not in check mode; and on API errors
  type: int
  sample: 200
message:
  description: The envelope's C(message).
  returned: success, when not in check mode
  type: str
  sample: Operation successful
request_id:
  description: The envelope's C(requestId), to quote to GenAuth support.
  returned: success, when not in check mode and the API sent one; and on API errors
  type: str
  sample: 934108e5-9fbf-4d24-8da1-c330328abd6c
api_code:
  description: The envelope's C(apiCode), a number or a string as the API sent it.
  returned: on API errors that carry one
  type: raw
  sample: 2333
http_status:
  description: The HTTP status of the failed answer, when one arrived.
  returned: on API and HTTP errors
  type: int
  sample: 200
webhook_id:
  description: The ID of the webhook that was triggered (or would have been, in check mode).
  returned: when O(webhook_id) is given
  type: str
  sample: 6229ffaxxxxxxxxcade3e3d9
webhook:
  description:
    - The webhook as GenAuth describes it (from C(get-webhook) or C(list-webhooks)), with its C(secret) masked.
  returned: success, unless O(lookup_webhook=false) outside check mode; and on failures after the webhook was
    looked up
  type: dict
  contains:
    webhookId:
      description: The webhook's ID.
      type: str
    name:
      description: The webhook's name.
      type: str
    url:
      description: The subscriber's URL.
      type: str
    contentType:
      description: C(application/json) or C(application/x-www-form-urlencoded).
      type: str
    enabled:
      description: Whether the webhook is enabled.
      type: bool
    events:
      description: The events the webhook subscribes to.
      type: list
      elements: str
    secret:
      description: V(********) when the webhook has a secret (empty when it has none).
      type: str
  sample:
    webhookId: 6229ffaxxxxxxxxcade3e3d9
    name: deploy notifications
    url: https://hooks.example.com/genauth
    contentType: application/json
    enabled: true
    events: ["test"]
    secret: "********"
request:
  description: The trigger request that would have been sent (C(webhookId), C(requestHeaders), C(requestBody)).
  returned: in check mode
  type: dict
  sample: {"webhookId": "6229ffaxxxxxxxxcade3e3d9", "requestBody": {"version": "1.4.2"}}
changed:
  description:
    - V(true) when the webhook was triggered, or would be in check mode.
    - Also V(true) on a failure after the request reached GenAuth without a usable answer (a timeout, a
      connection that broke, an answer that cannot be read), since the webhook may have been delivered; the
      message says so.
  returned: always
  type: bool
  sample: true
results:
  description:
    - With O(webhooks), one entry per item in the order given. Each entry has the fields a single trigger
      returns (RV(response), RV(status_code), RV(message), RV(request_id), RV(webhook_id), RV(webhook), and
      RV(request) in check mode; RV(api_code) and RV(http_status) when it failed), plus RV(results[].failed)
      and RV(results[].msg).
  returned: when O(webhooks) is given, on success and on failure; not when the options were refused (nothing was sent)
  type: list
  elements: dict
  contains:
    webhook_id:
      description: The item's webhook ID.
      type: str
    failed:
      description: Whether triggering this item failed.
      type: bool
    msg:
      description: V(Triggered), V(Would trigger (check mode)), or what went wrong and what to do.
      type: str
    changed:
      description: Whether this item was triggered (or would have been, in check mode).
      type: bool
    response:
      description: The API's C(data.response) for this item, as RV(response).
      type: raw
    status_code:
      description: As RV(status_code).
      type: int
    request_id:
      description: As RV(request_id).
      type: str
  sample:
    - webhook_id: 6229ffaxxxxxxxxcade3e3d9
      failed: false
      changed: true
      msg: Triggered
      response: {"received": true, "ticket": "CHG-1234"}
      status_code: 200
      message: Operation successful
      request_id: 934108e5-9fbf-4d24-8da1-c330328abd6c
    - webhook_id: 62a0b1cxxxxxxxx0f1e2d3c4
      failed: true
      changed: false
      msg: "GenAuth get-webhook failed with statusCode 404 ..."
      status_code: 404
"""

from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._module import GenAuthModule
from ansible_collections.genauth.management.plugins.module_utils._options import unexpected_error
from ansible_collections.genauth.management.plugins.module_utils._parallel import (
    CONCURRENCY_OPTION, concurrency_rule, run_each,
)
from ansible_collections.genauth.management.plugins.module_utils._trigger import (
    TRIGGER_RULES, look_up, look_up_together, trigger, trigger_list,
)
from ansible_collections.genauth.management.plugins.module_utils._webhooks import WebhookAPI

TRIGGER_OPTIONS = dict(
    # raw: the rule refuses an id YAML did not read as a string, which Ansible's str would convert silently.
    webhook_id=dict(type="raw"),
    request_headers=dict(type="dict"),
    request_body=dict(type="raw"),
)
ARGUMENT_SPEC = dict(
    TRIGGER_OPTIONS,
    webhooks=dict(type="list", elements="dict", options=dict(TRIGGER_OPTIONS, webhook_id=dict(type="raw", required=True))),
    lookup_webhook=dict(type="bool", default=True),
    concurrency=CONCURRENCY_OPTION,
)
# What each option must look like beyond its type (see _validation); the shared options bring their own.
RULES = dict(TRIGGER_RULES, webhooks=trigger_list, concurrency=concurrency_rule)


def must_look_up(module):
    """Whether the webhooks are looked up: as asked, and always in check mode (all it can prove)."""
    return module.options["lookup_webhook"] or module.check_mode


def trigger_item(module, api, item, result, known=None):
    """Look one webhook up (unless ``lookup_webhook`` says not to) and trigger it, filling ``result``; a response
    left out for want of the secret is said in a warning. Raises GenAuthError (``result`` keeps what was learnt)."""
    webhook = look_up(api, item["webhook_id"], module, known) if must_look_up(module) else None
    dummy, hidden = trigger(api, item, module, webhook, module.check_mode, result)
    if hidden:
        module.warn("Webhook %s was triggered, but %s: response is left out. lookup_webhook=false returns the "
                    "answer unmasked, if that is acceptable." % (item["webhook_id"], hidden))
    return result


def trigger_one(module, options):
    result = dict(changed=False, webhook_id=options["webhook_id"])
    with module.reporting_errors(result), module.client() as client:
        trigger_item(module, WebhookAPI(client), options, result)
    module.exit_json(**result)


def trigger_many(module, options):
    """Trigger every item of ``webhooks`` on one client (one token, shared connections), ``concurrency`` at
    a time. Every item is tried; each failure adds a warning, and the task fails afterwards naming them."""
    items, concurrency = options["webhooks"], options["concurrency"]
    with module.reporting_errors(dict(changed=False)), module.client(pool_size=concurrency) as client:
        try:
            client.authenticate()  # bad credentials fail the task once, not once per webhook
        except GenAuthError as error:
            msg = "None of the %d webhooks was triggered: %s" % (len(items), error.msg)
            module.warn(msg)
            module.fail_json(msg=msg, changed=False, results=[
                dict(error.result_fields(), webhook_id=item["webhook_id"], changed=False, failed=True, msg=error.msg)
                for item in items])
        api = WebhookAPI(client)
        known = (look_up_together(api, [item["webhook_id"] for item in items], concurrency)
                 if must_look_up(module) else {})

        def attempt(item):
            entry = dict(webhook_id=item["webhook_id"], changed=False)
            try:
                trigger_item(module, api, item, entry, known)
            except GenAuthError as error:
                entry.update(error.result_fields(), failed=True, msg=error.msg)
                module.warn("Webhook %s failed: %s" % (item["webhook_id"], error.msg))
                return entry
            entry.update(failed=False, msg="Would trigger (check mode)" if module.check_mode else "Triggered")
            return entry

        outcomes = run_each(attempt, items, concurrency)

    results, summary = [], dict(changed=False)
    for item, outcome in zip(items, outcomes):
        if outcome.failed:  # not a GenAuthError: a bug, reported per item rather than losing the others
            msg, summary["exception"] = unexpected_error(outcome.error)
            module.warn("Webhook %s failed: %s" % (item["webhook_id"], msg))
            results.append(dict(webhook_id=item["webhook_id"], changed=False, failed=True, msg=msg))
        else:
            results.append(outcome.value)
    summary.update(changed=any(entry["changed"] for entry in results), results=results)
    failed = [(index, entry) for index, entry in enumerate(results) if entry["failed"]]
    if failed:
        module.fail_json(
            msg="%d of %d webhooks failed: %s" % (len(failed), len(results), " ".join(
                "[%d] %s: %s" % (index, entry["webhook_id"], entry["msg"]) for index, entry in failed)),
            **summary)
    module.exit_json(**summary)


def main():
    module = GenAuthModule(
        argument_spec=ARGUMENT_SPEC,
        rules=RULES,
        required_one_of=[("webhook_id", "webhooks")],
        mutually_exclusive=[("webhook_id", "webhooks"), ("request_headers", "webhooks"),
                            ("request_body", "webhooks")],
        supports_check_mode=True,
    )
    if module.options.get("webhooks") is None:
        trigger_one(module, module.options)
    else:
        trigger_many(module, module.options)


if __name__ == "__main__":
    main()

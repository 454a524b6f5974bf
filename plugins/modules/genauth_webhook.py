#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: genauth_webhook
short_description: Declare a GenAuth webhook, or a user pool's whole set of webhooks, as code
version_added: 0.1.0
description:
  - Creates, updates or removes a webhook of a GenAuth (or Authing) user pool through the Management API V3,
    so that the webhook lives in a repository, is reviewed, and is promoted from one user pool to the next.
  - Finds the webhook by O(webhook_id), or else by O(name). Without O(webhook_id), no webhook with that name
    means a new one is created, one means that one is updated, and several mean the task fails, naming their
    IDs, and changes nothing.
  - Compares normalised values (O(events) as a set) and sends only the fields that differ. When nothing
    differs, nothing is written and the task reports no change.
  - An option the task leaves out leaves that field of an existing webhook as it is. Defaults
    (O(content_type), O(enabled)) apply only when a webhook is created.
  - With O(webhooks), one task declares a whole set. Every item is one declaration, with the options and rules of
    a single one, and O(purge=true) deletes the webhooks of the user pool that the list does not declare (those
    that O(purge_names) allows, if given). The whole set is read and compared before anything is written, and a
    declaration that cannot be carried out fails the task with nothing written.
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
      - Check mode reads the webhook (and the event catalogue when events would be sent) but writes nothing,
        and returns the same RV(ignore:changed), RV(webhook_id) (when known), and C(diff) as a real run.
      - With O(webhooks), check mode gives the whole plan with no write call, and the same RV(results),
        RV(created), RV(updated), RV(deleted) and C(diff) as a real run, except the IDs of webhooks not created yet.
  diff_mode:
    support: full
    details:
      - The diff shows the declared fields (O(name), O(url), O(events) as a sorted set, the content type,
        O(enabled)), and the secret masked. A changed secret shows as a change without either value.
      - With O(webhooks), the diff shows every change (each webhook created, updated or deleted, with a header
        naming it), and nothing for a webhook that is as declared.
options:
  state:
    description:
      - V(present) creates or updates the webhook; V(absent) removes it.
      - Removing a webhook that does not exist is not a change.
      - With O(webhooks), the state of each item that does not give its own.
    type: str
    choices: [present, absent]
    default: present
  webhook_id:
    description:
      - ID of an existing webhook. With it, O(name) may change the webhook's name.
      - A webhook with this ID must exist for V(present); a webhook is never created with a given ID.
      - A string; a value that is not one, such as a list or a number, is refused rather than converted. Quote an
        ID made of digits, since YAML reads unquoted digits as a number.
      - Give O(webhook_id), O(name), or both; or O(webhooks) instead.
    type: raw
  name:
    description:
      - Name of the webhook. Without O(webhook_id), the webhook is found by this name.
      - Required to create a webhook.
    type: str
  url:
    description:
      - The subscriber's URL, which GenAuth posts each event to. An C(http) or C(https) URL with a host.
      - Required to create a webhook.
    type: str
  events:
    description:
      - Names of the events that trigger the webhook, such as V(user:created) or V(login).
      - Compared as a set, so their order and repeats do not matter.
      - Checked against GenAuth's event catalogue (C(get-webhook-event-list)) before anything is written; an
        unknown name is refused with the closest valid names.
      - Required to create a webhook.
    type: list
    elements: str
  content_type:
    description:
      - How GenAuth encodes the body it posts to the subscriber.
      - Defaults to V(application/json) when the webhook is created; left as it is on an existing webhook
        when not given.
    type: str
    choices: [application/json, application/x-www-form-urlencoded]
  enabled:
    description:
      - Whether GenAuth delivers the webhook's events.
      - Defaults to V(true) when the webhook is created; left as it is on an existing webhook when not given.
    type: bool
  secret:
    description:
      - The secret GenAuth sends with every delivery (in the C(x-authing-webhook-secret) header), so that the
        subscriber can check where a delivery comes from.
      - Never shown in output, results or diff. When not given, the webhook's secret is left as it is.
      - See O(update_secret) for what happens when GenAuth does not show the current secret.
    type: str
  update_secret:
    description:
      - What to do with O(secret) for an existing webhook whose current secret GenAuth does not return, or
        returns masked, so that it cannot be compared.
      - V(always) sends O(secret) on every run, which reports a change each time.
      - V(on_create) sets O(secret) only when the webhook is created and never touches an existing
        webhook's secret.
      - When GenAuth returns the current secret, it is compared like any other field, so an unchanged
        secret is no change with either value.
      - With O(webhooks), the choice of each item that does not give its own.
    type: str
    choices: [always, on_create]
    default: always
  webhooks:
    description:
      - The webhooks of the user pool as code, in one task, instead of one declaration (O(webhook_id), O(name),
        O(url), O(events), O(content_type), O(enabled) and O(secret), which cannot be given with it).
      - Each item is a declaration with the options and the rules of a single one; O(state) and O(update_secret)
        are the defaults of the items that leave theirs out. An item selects its webhook by O(webhooks[].webhook_id),
        else by O(webhooks[].name).
      - Each name and each ID may appear in one item only; a list that repeats one is refused before any API call.
        At most 1000 items.
      - Every declaration is compared before anything is written. A declaration that cannot be carried out (a name
        that several webhooks of the user pool have, an ID the user pool does not have, a webhook that two items
        select, a new webhook without O(webhooks[].url) or O(webhooks[].events), an unknown event) fails the task,
        naming each such item, and nothing is written.
      - Then only the differences are written, up to O(concurrency) at a time. A write that fails does not stop the
        others. The task then fails, naming each write that failed, and reports the others as done in RV(created),
        RV(updated) and RV(deleted). Running the task again writes what is still missing.
      - An empty list declares no webhook, which with O(purge=true) deletes every webhook that O(purge) may delete.
    type: list
    elements: dict
    suboptions:
      state:
        description: V(present) or V(absent), as O(state) says; defaults to O(state).
        type: str
        choices: [present, absent]
      webhook_id:
        description: ID of an existing webhook, as O(webhook_id) says.
        type: raw
      name:
        description: Name of the webhook, as O(name) says; names are unique in the list.
        type: str
      url:
        description: The subscriber's URL, as O(url) says.
        type: str
      events:
        description: The events, as O(events) says.
        type: list
        elements: str
      content_type:
        description: The content type, as O(content_type) says.
        type: str
        choices: [application/json, application/x-www-form-urlencoded]
      enabled:
        description: Whether GenAuth delivers the webhook's events, as O(enabled) says.
        type: bool
      secret:
        description: The webhook's secret, as O(secret) says.
        type: str
      update_secret:
        description: What to do with a secret GenAuth does not show, as O(update_secret) says; defaults to
          O(update_secret).
        type: str
        choices: [always, on_create]
  purge:
    description:
      - With V(true), every webhook of the user pool that no item of O(webhooks) selects is deleted. B(Every one of them),
        including webhooks that another team, another tool or the GenAuth console created, unless
        O(purge_names) narrows what O(purge) may delete.
      - A webhook that an item selects is never deleted by O(purge); only its own O(webhooks[].state=absent)
        deletes it.
      - With V(false), only the items with O(webhooks[].state=absent) delete anything.
      - Needs O(webhooks).
    type: bool
    default: false
  purge_names:
    description:
      - Narrows O(purge) to the webhooks whose name matches at least one of these patterns. A webhook whose name
        matches none of them is never deleted by O(purge), so that teams or tools that share a user pool each keep
        their own set with a name prefix, as in V(payments *).
      - Shell-style patterns, matched against the whole name, case-sensitive. V(*) matches any characters, V(?) one
        character, V([abc]) one of those characters. A pattern without them matches that one name.
      - It narrows O(purge) and deletes nothing itself, so it needs O(purge=true). It does not narrow the items of
        O(webhooks), which are declared whatever their names.
      - An empty list is refused.
    type: list
    elements: str
  concurrency:
    description:
      - With O(webhooks), how many writes are made at the same time; V(1) makes them one after the other. Ignored
        without O(webhooks).
      - Must be between V(1) and V(32).
    type: int
    default: 16
notes:
  - Invalid options are refused before any network call, and unknown event names before anything is written.
  - "API calls of a run with O(webhooks): one for the management token (none with O(access_token)), every page of
    C(list-webhooks) once, C(get-webhook-event-list) once when a write sends events, and then one write for each
    difference: a C(create-webhook) for each webhook created, an C(update-webhook) for each one that differs from
    its declaration (sending only the fields that differ), a C(delete-webhook) for each one deleted. A webhook that
    is as declared costs no call of its own, so the same task run again reads the pages and writes nothing."
  - Reading the webhook, updating and deleting it are safe to repeat, so they are also retried after a
    timeout, a dropped connection, or HTTP 502 or 504 (see O(retries)). Creating one is not, so it is retried
    only when the call surely was not processed, and a retry never creates a second webhook.
seealso:
  - module: genauth.management.genauth_webhook_info
  - module: genauth.management.genauth_webhook_trigger
  - name: GenAuth Management API, webhooks
    description: The API calls this module makes.
    link: https://docs.genauth.ai/
"""

EXAMPLES = r"""
- name: Declare the deployment webhook (created the first time, updated when the task changes)
  genauth.management.genauth_webhook:
    host: https://api.genauth.ai
    access_key_id: "{{ genauth_access_key_id }}"
    access_key_secret: "{{ genauth_access_key_secret }}"
    name: deploy notifications
    url: https://hooks.example.com/genauth
    events:
      - user:created
      - user:updated
    secret: "{{ vault_deploy_hook_secret }}"
  register: deploy_hook

- name: Use the webhook's ID in a later task
  ansible.builtin.debug:
    msg: "Webhook {{ deploy_hook.webhook_id }} has a secret: {{ deploy_hook.webhook.has_secret }}"

- name: Rotate the webhook's secret (the diff shows a change, never the values)
  genauth.management.genauth_webhook:
    name: deploy notifications
    secret: "{{ vault_deploy_hook_new_secret }}"
  diff: true

- name: Set the secret only when the webhook is created, for an API that does not return it
  genauth.management.genauth_webhook:
    name: audit
    url: https://audit.example.com/genauth
    events: [login]
    secret: "{{ vault_audit_hook_secret }}"
    update_secret: on_create

- name: Rename a webhook, found by its ID
  genauth.management.genauth_webhook:
    webhook_id: 6229ffaxxxxxxxxcade3e3d9
    name: deploy notifications (production)

- name: Remove the webhook
  genauth.management.genauth_webhook:
    name: deploy notifications
    state: absent

- name: Declare the payments team's webhooks, and delete the team's webhooks that the list no longer declares
  genauth.management.genauth_webhook:
    webhooks:
      - name: payments deploys
        url: https://hooks.example.com/payments
        events: [user:created, user:updated]
        secret: "{{ vault_payments_hook_secret }}"
      - name: payments audit
        url: https://audit.example.com/payments
        events: [login]
        enabled: false
    purge: true
    # Only webhooks named "payments ..." may be deleted: the other teams' webhooks in the user pool stay.
    purge_names: ["payments *"]
  diff: true
  register: payments_hooks

- name: Show what the task changed
  ansible.builtin.debug:
    msg: >-
      created {{ payments_hooks.created | map(attribute='name') | list }},
      updated {{ payments_hooks.updated | map(attribute='name') | list }},
      deleted {{ payments_hooks.deleted | map(attribute='name') | list }}

- name: Set the connection once for every GenAuth task of a block
  module_defaults:
    group/genauth.management.genauth:
      host: https://genauth.example.internal
      access_key_id: "{{ vault_genauth_access_key_id }}"
      access_key_secret: "{{ vault_genauth_access_key_secret }}"
  block:
    - name: Pause the audit webhook, leaving everything else as it is
      genauth.management.genauth_webhook:
        name: audit
        enabled: false
"""

RETURN = r"""
webhook_id:
  description: The ID of the webhook the task declared (created, updated, left as it was, or removed).
  returned: success without O(webhooks); null when O(state=absent) found no webhook, or in check mode when the
    webhook would be created
  type: str
  sample: 6229ffaxxxxxxxxcade3e3d9
webhook:
  description:
    - The webhook after the run, as GenAuth describes it, with its C(secret) masked and RV(webhook.has_secret)
      added. In check mode, the webhook as a real run would leave it.
    - An empty dictionary when O(state=absent).
  returned: success without O(webhooks)
  type: dict
  contains:
    webhookId:
      description: The webhook's ID (not known in check mode for a webhook that would be created).
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
      description: V(********) when the webhook has a secret, empty when it has none.
      type: str
    has_secret:
      description: Whether the webhook has a secret (as far as GenAuth shows it).
      type: bool
    createdAt:
      description: When the webhook was created (ISO 8601), as GenAuth reports it.
      type: str
    updatedAt:
      description: When the webhook was last changed (ISO 8601), as GenAuth reports it.
      type: str
  sample:
    webhookId: 6229ffaxxxxxxxxcade3e3d9
    name: deploy notifications
    url: https://hooks.example.com/genauth
    contentType: application/json
    enabled: true
    events: ["user:created", "user:updated"]
    secret: "********"
    has_secret: true
    createdAt: "2026-11-02T09:14:03.120Z"
    updatedAt: "2026-11-29T13:20:41.007Z"
diff:
  description:
    - The declared fields before and after (C(name), C(url), C(events) sorted, C(contentType), C(enabled),
      C(secret) masked); the same in check mode and in a real run.
    - A changed secret shows as V(******** (changed\)) after, never as its value.
    - With O(webhooks), a list with one such diff for each webhook created, updated or deleted, each with
      C(before_header) and C(after_header) naming the write (C(update of webhook 'payments audit' (6229...\)
      (webhooks[1]\))); empty when nothing changes.
  returned: in diff mode
  type: raw
  contains:
    before:
      description: The fields before the run; empty when the webhook did not exist.
      type: dict
    after:
      description: The fields after the run; empty when the webhook is removed.
      type: dict
  sample:
    before: {"name": "deploy", "url": "https://hooks.example.com/genauth", "events": ["test"],
             "contentType": "application/json", "enabled": true, "secret": "********"}
    after: {"name": "deploy", "url": "https://hooks.example.com/genauth", "events": ["login", "test"],
            "contentType": "application/json", "enabled": true, "secret": "********"}
results:
  description:
    - With O(webhooks), one entry per item, in the order given, with what a single declaration returns
      (RV(webhook_id), RV(webhook), RV(ignore:changed) and, in diff mode, RV(diff)) and RV(results[].failed).
    - An entry whose write failed keeps the webhook as it was, and has RV(results[].msg) and the error's fields
      (RV(status_code), RV(api_code), RV(request_id), RV(http_status)).
  returned: with O(webhooks), on success and when writes failed
  type: list
  elements: dict
  contains:
    failed:
      description: Whether the item's write failed.
      type: bool
    msg:
      description: What went wrong, when the write failed.
      type: str
  sample:
    - {"changed": true, "webhook_id": "6229ffaxxxxxxxxcade3e3d9", "failed": false,
       "webhook": {"webhookId": "6229ffaxxxxxxxxcade3e3d9", "name": "payments deploys", "enabled": true,
                   "url": "https://hooks.example.com/payments", "events": ["user:created", "user:updated"],
                   "contentType": "application/json", "secret": "********", "has_secret": true}}
created:
  description:
    - With O(webhooks), the webhooks created (or, in check mode, that would be), in the order of the items.
    - In check mode a webhook to be created has no ID yet, so RV(created[].webhook_id) is null.
  returned: with O(webhooks), on success and when writes failed
  type: list
  elements: dict
  contains:
    webhook_id:
      description: The webhook's ID.
      type: str
    name:
      description: The webhook's name.
      type: str
  sample: [{"webhook_id": "6229ffaxxxxxxxxcade3e3d9", "name": "payments deploys"}]
updated:
  description: With O(webhooks), the webhooks updated (or that would be, in check mode), in the order of the items.
  returned: with O(webhooks), on success and when writes failed
  type: list
  elements: dict
  contains:
    webhook_id:
      description: The webhook's ID.
      type: str
    name:
      description: The webhook's name after the update.
      type: str
  sample: [{"webhook_id": "62a0b1cxxxxxxxx0f1e2d3c4", "name": "payments audit"}]
deleted:
  description:
    - With O(webhooks), the webhooks deleted (or that would be, in check mode), those of the items with
      O(webhooks[].state=absent) first, then those that O(purge) deleted.
  returned: with O(webhooks), on success and when writes failed
  type: list
  elements: dict
  contains:
    webhook_id:
      description: The webhook's ID.
      type: str
    name:
      description: The webhook's name.
      type: str
  sample: [{"webhook_id": "62b7c9dxxxxxxxx1a2b3c4d5", "name": "payments legacy"}]
status_code:
  description: The C(statusCode) of a failed API call (or the HTTP status when no envelope came back).
  returned: on API errors
  type: int
  sample: 404
api_code:
  description: The envelope's C(apiCode), a number or a string as the API sent it.
  returned: on API errors that carry one
  type: raw
  sample: 1404
request_id:
  description: The envelope's C(requestId), to quote to GenAuth support.
  returned: on API errors that carry one
  type: str
  sample: 934108e5-9fbf-4d24-8da1-c330328abd6c
http_status:
  description: The HTTP status of the failed answer, when one arrived.
  returned: on API and HTTP errors
  type: int
  sample: 200
"""

from ansible_collections.genauth.management.plugins.module_utils._module import GenAuthModule
from ansible_collections.genauth.management.plugins.module_utils._parallel import CONCURRENCY_OPTION, concurrency_rule
from ansible_collections.genauth.management.plugins.module_utils._resource import UPDATE_SECRET_CHOICES
from ansible_collections.genauth.management.plugins.module_utils._declared import (
    SET_RULES, declare_webhook, declare_webhooks, purge_scope,
)
from ansible_collections.genauth.management.plugins.module_utils._webhooks import CONTENT_TYPES, WebhookAPI

STATES = ["present", "absent"]
# The options of one declaration: the task's own, or an item of webhooks.
DECLARATION = dict(
    # raw: the rule refuses an id YAML did not read as a string, which Ansible's str would convert silently.
    webhook_id=dict(type="raw"),
    name=dict(type="str"),
    url=dict(type="str"),
    events=dict(type="list", elements="str"),
    content_type=dict(type="str", choices=list(CONTENT_TYPES)),
    enabled=dict(type="bool"),
    secret=dict(type="str", no_log=True),
)
ARGUMENT_SPEC = dict(
    DECLARATION,
    state=dict(type="str", default=STATES[0], choices=STATES),
    update_secret=dict(type="str", default=UPDATE_SECRET_CHOICES[0], choices=list(UPDATE_SECRET_CHOICES)),
    # An item's state and update_secret default to the task's.
    webhooks=dict(type="list", elements="dict", required_one_of=[("webhook_id", "name")], options=dict(
        DECLARATION, state=dict(type="str", choices=STATES),
        update_secret=dict(type="str", choices=list(UPDATE_SECRET_CHOICES)))),
    purge=dict(type="bool", default=False),
    purge_names=dict(type="list", elements="str"),
    concurrency=CONCURRENCY_OPTION,
)


def main():
    module = GenAuthModule(
        argument_spec=ARGUMENT_SPEC,
        rules=dict(SET_RULES, concurrency=concurrency_rule),
        checks=[purge_scope],
        required_one_of=[("webhook_id", "name", "webhooks")],
        mutually_exclusive=[(option, "webhooks") for option in DECLARATION],
        required_if=[("purge", True, ("webhooks",))],
        supports_check_mode=True,
    )
    options, result = module.options, dict(changed=False)
    several = options.get("webhooks") is not None
    with module.reporting_errors(result), module.client(pool_size=options["concurrency"] if several else None) as client:
        if several:
            result.update(declare_webhooks(WebhookAPI(client), options, module.check_mode, module.treat_as_secret,
                                           module._diff))
        else:
            result.update(declare_webhook(WebhookAPI(client), options, module.check_mode, module.treat_as_secret))
            if not module._diff:
                del result["diff"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()

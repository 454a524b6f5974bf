#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: genauth_webhook_info
short_description: List GenAuth webhooks, their recent deliveries and the event catalogue
version_added: 0.1.0
description:
  - Lists the webhooks of a GenAuth (or Authing) user pool through the Management API V3, or the ones selected
    by O(webhook_id) or O(name), each with its secret masked and whether it has one.
  - Reads every page of the list, however many webhooks the user pool has.
  - Optionally adds each selected webhook's most recent deliveries (O(logs)), with the secret and every header
    that carries it redacted, and the catalogue of events a webhook can subscribe to (O(event_list)).
author:
  - genauth.management maintainers (@genauth-ansible)
extends_documentation_fragment:
  - genauth.management.connection
  - genauth.management.attributes
  - genauth.management.attributes.actiongroup_genauth
  - genauth.management.attributes.info_module
options:
  webhook_id:
    description:
      - Select the webhook with this ID. A webhook that does not exist gives an empty RV(webhooks), not a
        failure.
      - A string; a value that is not one, such as a list or a number, is refused rather than converted. Quote an
        ID made of digits, since YAML reads unquoted digits as a number.
      - Give at most one of O(webhook_id) and O(name); with neither, every webhook is selected.
    type: raw
  name:
    description:
      - Select the webhooks with this name (names need not be unique, so there may be several, or none).
    type: str
  logs:
    description:
      - Add each selected webhook's most recent deliveries to it, as RV(webhooks[].logs).
    type: bool
    default: false
  logs_limit:
    description:
      - With O(logs), how many of each webhook's most recent deliveries to return, newest first.
      - Must be between V(1) and V(200).
    type: int
    default: 20
  event_list:
    description:
      - Add the catalogue of events a webhook can subscribe to, as RV(event_list).
    type: bool
    default: false
notes:
  - Every call of this module is a read, so it is also retried after a timeout, a dropped connection, or HTTP
    502 or 504 (see O(retries)).
seealso:
  - module: genauth.management.genauth_webhook
  - module: genauth.management.genauth_webhook_trigger
"""

EXAMPLES = r"""
- name: List every webhook of the user pool
  genauth.management.genauth_webhook_info:
    host: https://api.genauth.ai
    access_key_id: "{{ genauth_access_key_id }}"
    access_key_secret: "{{ genauth_access_key_secret }}"
  register: all_hooks

- name: Show each webhook's name and whether it has a secret
  ansible.builtin.debug:
    msg: "{{ item.name }} ({{ item.webhookId }}): secret set: {{ item.has_secret }}"
  loop: "{{ all_hooks.webhooks }}"
  loop_control:
    label: "{{ item.webhookId }}"

- name: Show the last 5 deliveries of the deployment webhook, when a notification went missing
  genauth.management.genauth_webhook_info:
    name: deploy notifications
    logs: true
    logs_limit: 5
  register: deploy_hook

- name: Print when each delivery happened and how the subscriber answered
  ansible.builtin.debug:
    msg: "{{ item.timestamp }}: {{ item.responseStatusCode }} {{ item.errorMessage | default('', true) }}"
  loop: "{{ deploy_hook.webhooks | map(attribute='logs') | flatten }}"
  loop_control:
    label: "{{ item.timestamp }}"

- name: List the event names a webhook can subscribe to
  genauth.management.genauth_webhook_info:
    webhook_id: 6229ffaxxxxxxxxcade3e3d9
    event_list: true
  register: catalogue

- name: Show them
  ansible.builtin.debug:
    msg: "{{ catalogue.event_list.events | map(attribute='value') | list }}"
"""

RETURN = r"""
webhooks:
  description:
    - The selected webhooks, as GenAuth describes them, each with its C(secret) masked and
      RV(webhooks[].has_secret) added. Empty when the selected webhook does not exist.
  returned: success
  type: list
  elements: dict
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
      description: V(********) when the webhook has a secret, empty when it has none.
      type: str
    has_secret:
      description: Whether the webhook has a secret (as far as GenAuth shows it).
      type: bool
    createdAt:
      description: When the webhook was created (ISO 8601).
      type: str
    updatedAt:
      description: When the webhook was last changed (ISO 8601).
      type: str
    logs:
      description:
        - The webhook's most recent deliveries, newest first, at most O(logs_limit) (GenAuth's C(WebhookLogDto)).
        - The headers that carry a credential show V(********), in any case and whatever the shape GenAuth gives
          the headers in (an object, a JSON string, a list of pairs). These are the webhook's secret
          (C(x-authing-webhook-secret), C(x-genauth-webhook-secret), C(x-authing-token), C(x-genauth-token)),
          and the subscriber's own C(Authorization), C(Proxy-Authorization), C(Cookie) and C(Set-Cookie).
        - The webhook's secret, and every credential those headers carry (an older secret of the webhook among
          them), show V(********) wherever else they appear, in keys as in values.
      returned: when O(logs=true)
      type: list
      elements: dict
      contains:
        eventName:
          description: The event that was delivered.
          type: str
        requestHeaders:
          description: The headers GenAuth sent to the subscriber, credentials redacted, in the shape GenAuth gave.
          type: raw
        requestBody:
          description: The body GenAuth sent to the subscriber.
          type: raw
        responseStatusCode:
          description: The HTTP status the subscriber answered, if it answered.
          type: int
        responseHeaders:
          description: The subscriber's response headers, credentials redacted, in the shape GenAuth gave.
          type: raw
        responseBody:
          description: The subscriber's response body.
          type: raw
        timestamp:
          description: When the delivery happened (ISO 8601).
          type: str
        success:
          description: Whether the delivery succeeded.
          type: bool
        errorMessage:
          description: Why the delivery failed, if it did.
          type: str
  sample:
    - webhookId: 6229ffaxxxxxxxxcade3e3d9
      name: deploy notifications
      url: https://hooks.example.com/genauth
      contentType: application/json
      enabled: true
      events: ["user:created"]
      secret: "********"
      has_secret: true
      createdAt: "2026-11-02T09:14:03.120Z"
      updatedAt: "2026-11-29T13:20:41.007Z"
event_list:
  description: The API's event catalogue (C(get-webhook-event-list)), unchanged.
  returned: when O(event_list=true)
  type: dict
  contains:
    categories:
      description: The event categories (C(name), C(nameEn), C(value)).
      type: list
      elements: dict
    events:
      description: The events (C(name), C(nameEn), C(value), C(category)); C(value) is the name O(ignore:events) takes.
      type: list
      elements: dict
  sample:
    categories: [{"name": "用户", "nameEn": "User", "value": "user"}]
    events: [{"name": "创建用户", "nameEn": "User created", "value": "user:created", "category": "user"}]
status_code:
  description: The C(statusCode) of a failed API call (or the HTTP status when no envelope came back).
  returned: on API errors
  type: int
  sample: 403
api_code:
  description: The envelope's C(apiCode), a number or a string as the API sent it.
  returned: on API errors that carry one
  type: raw
  sample: 2333
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
from ansible_collections.genauth.management.plugins.module_utils._validation import identifier, whole_number
from ansible_collections.genauth.management.plugins.module_utils._declared import webhook_name
from ansible_collections.genauth.management.plugins.module_utils._webhook_info import LOGS_LIMIT, describe_webhooks
from ansible_collections.genauth.management.plugins.module_utils._webhooks import WebhookAPI

ARGUMENT_SPEC = dict(
    # raw: the rule refuses an id YAML did not read as a string, which Ansible's str would convert silently.
    webhook_id=dict(type="raw"),
    name=dict(type="str"),
    logs=dict(type="bool", default=False),
    logs_limit=dict(type="int", default=LOGS_LIMIT.default),
    event_list=dict(type="bool", default=False),
)
RULES = {"webhook_id": identifier, "name": webhook_name, "logs_limit": whole_number(LOGS_LIMIT)}


def main():
    module = GenAuthModule(
        argument_spec=ARGUMENT_SPEC,
        rules=RULES,
        mutually_exclusive=[("webhook_id", "name")],
        supports_check_mode=True,
    )
    result = dict(changed=False)
    with module.reporting_errors(result), module.client() as client:
        result.update(describe_webhooks(WebhookAPI(client), module.options, module.treat_as_secret))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

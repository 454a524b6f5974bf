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
    and the webhook's secret can be masked wherever the subscriber's answer might echo it.
  - Returns the API's response data unchanged in RV(response), so later tasks can use it.
author:
  - genauth.management maintainers (@genauth-ansible)
extends_documentation_fragment:
  - genauth.management.connection
  - genauth.management.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: partial
    details:
      - In check mode the module gets a token and looks the webhook up, proving that the credentials work and
        the webhook exists, but triggers nothing. It returns RV(webhook) and RV(request), not RV(response).
options:
  webhook_id:
    description:
      - ID of the webhook to trigger.
      - Must not be empty, longer than 256 characters, or contain whitespace or control characters.
    type: str
    required: true
  request_headers:
    description:
      - HTTP headers for GenAuth to send to the webhook's subscriber, as header name to value.
      - Names must be valid HTTP header names (and unique, ignoring case). Values must be strings, numbers or
        booleans; numbers and booleans are sent as strings (V(true), V(false)). Values containing CR, LF, NUL or
        other control characters, or characters outside Latin-1, are refused.
    type: dict
  request_body:
    description:
      - Body for GenAuth to send to the webhook's subscriber.
      - A JSON object, given as a dictionary or as a string that parses as a JSON object. Anything else is
        refused. At most 1 MiB once encoded as JSON.
    type: raw
notes:
  - Triggering a webhook is not idempotent, so the module always reports RV(ignore:changed=true) when it
    succeeds. Use C(changed_when) to change that.
  - Invalid options are refused before any network call, with a message naming the option and the rule.
  - A webhook that is disabled is still looked up and triggered; the module warns about it.
seealso:
  - name: GenAuth Management API, trigger webhook
    description: The API call this module makes.
    link: https://docs.genauth.ai/
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

- name: Check that the credentials work and the webhook exists, without triggering it
  genauth.management.genauth_webhook_trigger:
    webhook_id: 6229ffaxxxxxxxxcade3e3d9
  check_mode: true
  register: preflight

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
    - Any occurrence of the webhook's secret is masked.
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
  returned: always
  type: str
  sample: 6229ffaxxxxxxxxcade3e3d9
webhook:
  description:
    - The webhook as GenAuth describes it (from C(get-webhook)), with its C(secret) masked.
  returned: success; and on failures after the webhook was looked up
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
"""

from ansible_collections.genauth.management.plugins.module_utils._module import GenAuthModule
from ansible_collections.genauth.management.plugins.module_utils._validation import TRIGGER_RULES
from ansible_collections.genauth.management.plugins.module_utils._webhooks import WebhookAPI, mask_webhook, trigger_payload


def main():
    module = GenAuthModule(
        argument_spec=dict(
            webhook_id=dict(type="str", required=True),
            request_headers=dict(type="dict"),
            request_body=dict(type="raw"),
        ),
        rules=TRIGGER_RULES,
        supports_check_mode=True,
    )
    options = module.options
    webhook_id = options["webhook_id"]
    result = dict(changed=False, webhook_id=webhook_id)

    with module.reporting_errors(result), module.client() as client:
        api = WebhookAPI(client)
        webhook = api.get(webhook_id)
        module.hide(webhook.get("secret"))
        result["webhook"] = mask_webhook(webhook)
        if webhook.get("enabled") is False:
            module.warn("Webhook %s is disabled; GenAuth may not deliver it." % webhook_id)

        if module.check_mode:
            result.update(changed=True, request=trigger_payload(
                webhook_id, options.get("request_headers"), options.get("request_body")))
            module.exit_json(**result)

        envelope = api.trigger(webhook_id, options.get("request_headers"), options.get("request_body"))
        data = envelope.data if isinstance(envelope.data, dict) else {}
        result.update(
            changed=True,
            response=data.get("response"),
            status_code=envelope.status_code,
            message=envelope.message,
            request_id=envelope.request_id,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()

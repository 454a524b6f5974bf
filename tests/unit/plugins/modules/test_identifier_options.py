"""Identifiers are sent as the task wrote them, or refused: a value YAML did not read as a string (a list, an unquoted
number such as 0123, which YAML reads as the octal 83) is refused with a message that says to quote it, before any
call, by every module and for every identifier option (webhook_id, the items of webhooks, userpool_id,
access_key_id). Ansible's own ``str`` type would have turned it into another id without a word.

The rule's messages are tested where the rule lives (test_validation.py); the role's own check of its targets is the
deploy_webhooks ansible-test target's.
"""

import json

import pytest
import responses as responses_lib

from ansible_collections.genauth.management.plugins.modules import (
    genauth_token, genauth_webhook, genauth_webhook_info, genauth_webhook_trigger,
)
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, HOST, clear_module_warnings, envelope, patch_module_args, token_reply,
)

KEY_SECRET = "key-secret-Hn52"
WEBHOOK = {"webhookId": "0123", "name": "deploys", "url": "http://127.0.0.1:9/hook", "contentType": "application/json",
           "enabled": True, "events": ["test"], "secret": ""}
MODULES = {
    "trigger": (genauth_webhook_trigger, {"webhook_id": "0123"}),
    "trigger webhooks": (genauth_webhook_trigger, {"webhooks": [{"webhook_id": "0123"}, {"webhook_id": "4567"}]}),
    "declare": (genauth_webhook, {"webhook_id": "0123", "name": "deploys"}),
    "info": (genauth_webhook_info, {"webhook_id": "0123"}),
    "token": (genauth_token, {}),
}


def run_main(capsys, module, args):
    """main() with ``args`` and every call mocked: (exit code, result, the calls made)."""
    clear_module_warnings()
    params = dict(host=HOST, access_key_id="pool-1", access_key_secret=KEY_SECRET, retries=0)
    params.update(args)
    with responses_lib.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.post(API + "get-management-token", json=token_reply())
        mocked.get(API + "get-webhook", json=envelope(WEBHOOK))
        mocked.get(API + "list-webhooks", json=envelope({"list": [WEBHOOK], "totalCount": 1}))
        mocked.post(API + "trigger-webhook", json=envelope({"response": {"ok": True}}))
        with patch_module_args(dict((k, v) for k, v in params.items() if v is not None)):
            with pytest.raises(SystemExit) as info:
                module.main()
        calls = list(mocked.calls)
    return info.value.code, json.loads(capsys.readouterr().out), calls


# (option, value, where the message points, what it says): 0o123 is what YAML makes of an unquoted 0123.
NOT_STRINGS = [
    ("webhook_id", ["cc0211ab"], "webhook_id: must be one string, not a list"),
    ("webhook_id", 0o123, "webhook_id: must be a string, not the number 83: put the value in quotes"),
    ("webhook_id", 6229, "webhook_id: must be a string, not the number 6229: put the value in quotes"),
    ("webhook_id", True, "webhook_id: must be a string, not a boolean"),
    ("webhook_id", {"id": "x"}, "webhook_id: must be a string, not a dictionary"),
    ("userpool_id", 0o123, "userpool_id: must be a string, not the number 83: put the value in quotes"),
    ("userpool_id", ["pool-1"], "userpool_id: must be one string, not a list"),
    ("access_key_id", 12345, "access_key_id: must be a string, not the number 12345: put the value in quotes"),
]


def refusal_cases():
    """Each module with each identifier option it has, set to each value that is not a string."""
    for name, (module, args) in sorted(MODULES.items()):
        for option, value, message in NOT_STRINGS:
            if option != "webhook_id":
                yield name, dict(args, **{option: value}), message
            elif "webhooks" in args:  # the item's own option, named by its index
                yield name, dict(args, webhooks=[{"webhook_id": "0123"}, {"webhook_id": value}]), \
                    "webhooks[1]['webhook_id']" + message[len("webhook_id"):]
            elif "webhook_id" in args:
                yield name, dict(args, webhook_id=value), message


CASES = list(refusal_cases())


@pytest.mark.parametrize("name, args, message", CASES, ids=["%s: %s" % (case[0], case[2][:40]) for case in CASES])
def test_an_identifier_that_is_not_a_string_is_refused_before_any_call(capsys, name, args, message):
    code, result, calls = run_main(capsys, MODULES[name][0], args)
    assert code == 1 and result["failed"] is True, result
    assert message in result["msg"], result["msg"]
    if "the number" in message:
        assert "YAML reads unquoted digits as a number" in result["msg"]
    assert calls == [], [call.request.url for call in calls]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_an_identifier_made_of_digits_is_sent_as_written_when_quoted(capsys, name):
    module, args = MODULES[name]
    code, result, calls = run_main(capsys, module, dict(args, userpool_id="0042", access_key_id="0017"))
    assert code == 0, result
    token_call = calls[0]
    assert json.loads(token_call.request.body)["accessKeyId"] == "0017"
    for call in calls[1:]:
        assert call.request.headers["x-genauth-userpool-id"] == "0042"
    # The items of webhooks are triggered concurrently, in any order.
    sent = sorted(json.loads(call.request.body)["webhookId"] for call in calls if call.request.url.endswith("trigger-webhook"))
    assert sent == (sorted(item["webhook_id"] for item in args.get("webhooks", [args])) if "trigger" in name else [])

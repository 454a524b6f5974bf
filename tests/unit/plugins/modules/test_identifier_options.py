"""Identifiers are sent as the task wrote them, or refused: a value YAML did not read as a string (a list, an unquoted
number such as 0123, which YAML reads as the octal 83) is refused with a message that says to quote it, before any
call, by every module and for every identifier option (webhook_id, the items of webhooks, userpool_id,
access_key_id). Ansible's own ``str`` type would have turned it into another id without a word.

The rule's messages are tested where the rule lives (test_validation.py); the role's own check of its targets is the
deploy_webhooks ansible-test target's.
"""

import json

import pytest

from ansible_collections.genauth.management.plugins.modules import (
    genauth_token, genauth_webhook, genauth_webhook_info, genauth_webhook_trigger,
)
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, CONNECTION, WEBHOOK, answer_trigger, envelope, run_module,
)

WEBHOOK_0123 = dict(WEBHOOK, webhookId="0123", secret="")
MODULES = {
    "trigger": (genauth_webhook_trigger, {"webhook_id": "0123"}),
    "trigger webhooks": (genauth_webhook_trigger, {"webhooks": [{"webhook_id": "0123"}, {"webhook_id": "4567"}]}),
    "declare": (genauth_webhook, {"webhook_id": "0123", "name": "deploys"}),
    "info": (genauth_webhook_info, {"webhook_id": "0123"}),
    "token": (genauth_token, {}),
}


def run_main(mocked, module, args):
    """main() with ``args`` and every call mocked: (exit code, result, the calls made)."""
    answer_trigger(mocked, WEBHOOK_0123)
    mocked.get(API + "list-webhooks", json=envelope({"list": [WEBHOOK_0123], "totalCount": 1}))
    code, result, dummy = run_module(module, dict(CONNECTION, retries=0, **args))
    return code, result, list(mocked.calls)


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
def test_an_identifier_that_is_not_a_string_is_refused_before_any_call(mocked, name, args, message):
    code, result, calls = run_main(mocked, MODULES[name][0], args)
    assert code == 1 and result["failed"] is True, result
    assert message in result["msg"], result["msg"]
    if "the number" in message:
        assert "YAML reads unquoted digits as a number" in result["msg"]
    assert calls == [], [call.request.url for call in calls]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_an_identifier_made_of_digits_is_sent_as_written_when_quoted(mocked, name):
    module, args = MODULES[name]
    code, result, calls = run_main(mocked, module, dict(args, userpool_id="0042", access_key_id="0017"))
    assert code == 0, result
    token_call = calls[0]
    assert json.loads(token_call.request.body)["accessKeyId"] == "0017"
    for call in calls[1:]:
        assert call.request.headers["x-genauth-userpool-id"] == "0042"
    # The items of webhooks are triggered concurrently, in any order.
    sent = [json.loads(call.request.body)["webhookId"] for call in calls if "trigger-webhook" in call.request.url]
    triggered = [item["webhook_id"] for item in args.get("webhooks", [args])] if "trigger" in name else []
    assert sorted(sent) == sorted(triggered)

"""The filters that shape the deploy_webhooks role's data: webhook_items (targets -> the module's webhooks) and
webhook_results (the registered result -> deploy_webhooks_results)."""

import copy
import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.genauth.management.plugins.filter.webhook_items import webhook_items
from ansible_collections.genauth.management.plugins.filter.webhook_results import webhook_results

PAYLOAD = {"event": "deployment.finished", "version": "2.4.0", "extra": {"queue": "ops", "tags": ["a", "b"]}}


def test_each_target_gets_the_payload_with_its_own_body_merged_over_it():
    targets = [
        {"name": "board", "webhook_id": "wh1", "request_headers": {"X-Team": "payments"},
         "request_body": {"version": "2.4.0-hotfix", "extra": {"tags": ["c"], "ticket": True}}},
        {"webhook_id": "wh2", "request_body": '{"retention_days": 365}'},
        {"webhook_id": "wh3", "request_body": ""},
        {"webhook_id": "wh4", "request_body": []},
    ]
    original = copy.deepcopy((targets, PAYLOAD))
    assert webhook_items(targets, PAYLOAD) == [
        {"webhook_id": "wh1", "request_headers": {"X-Team": "payments"},
         "request_body": {"event": "deployment.finished", "version": "2.4.0-hotfix",
                          "extra": {"queue": "ops", "tags": ["c"], "ticket": True}}},
        {"webhook_id": "wh2", "request_body": dict(PAYLOAD, retention_days=365)},
        {"webhook_id": "wh3", "request_body": PAYLOAD},
        {"webhook_id": "wh4", "request_body": PAYLOAD},
    ]
    assert (targets, PAYLOAD) == original  # nothing given was changed


def test_without_a_payload_each_target_sends_its_own_body():
    assert webhook_items([{"webhook_id": "wh1", "request_body": {"a": 1}}, {"webhook_id": "wh2"}]) == [
        {"webhook_id": "wh1", "request_body": {"a": 1}}, {"webhook_id": "wh2", "request_body": {}}]
    assert webhook_items([]) == []


@pytest.mark.parametrize("targets, payload, message", [
    ("wh1", None, "the input must be a list of targets, not a string"),
    ([{"webhook_id": "wh1"}], ["x"], "the payload must be a dictionary, not an array"),
    ([{"webhook_id": "wh1"}, {"name": "no id"}], None, "target 1 must be a dictionary with webhook_id"),
    (["wh1"], None, "target 0 must be a dictionary with webhook_id"),
    ([{"webhook_id": "wh1", "request_body": "{nope"}], None, "the request_body of target 0 is not valid JSON"),
    ([{"webhook_id": "wh1", "request_body": "[1]"}], None,
     "the request_body of target 0 must be a JSON object (a dictionary), not an array"),
    ([{"webhook_id": "wh1", "request_body": 5}], None,
     "the request_body of target 0 must be a JSON object (a dictionary), not a number"),
    ([{"webhook_id": "wh1", "request_body": True}], None,
     "the request_body of target 0 must be a JSON object (a dictionary), not a boolean"),
])
def test_targets_that_cannot_become_webhooks_are_refused_by_index(targets, payload, message):
    with pytest.raises(AnsibleFilterError, match="^" + re.escape("webhook_items: " + message)):
        webhook_items(targets, payload)


TARGETS = [{"name": "board", "webhook_id": "wh1"}, {"webhook_id": "wh2", "name": ""}]


def test_each_target_gets_its_named_outcome_in_order():
    triggered = {"changed": True, "failed": True, "msg": "1 of 2 webhooks failed: ...", "results": [
        {"webhook_id": "wh1", "failed": False, "msg": "Triggered", "response": {"ticket": "CHG-1"},
         "status_code": 200, "request_id": "r1", "webhook": {"secret": "********"}, "message": "ok"},
        {"webhook_id": "wh2", "failed": True, "msg": "GenAuth API error on get-webhook: ...", "status_code": 404,
         "request_id": "r2", "api_code": 1404},
    ]}
    assert webhook_results(triggered, TARGETS) == [
        {"webhook_id": "wh1", "name": "board", "response": {"ticket": "CHG-1"}, "status_code": 200,
         "request_id": "r1", "failed": False, "msg": "Triggered"},
        {"webhook_id": "wh2", "name": "wh2", "response": None, "status_code": 404, "request_id": "r2",
         "failed": True, "msg": "GenAuth API error on get-webhook: ..."},
    ]


def test_check_mode_entries_keep_the_request():
    triggered = {"changed": True, "results": [
        {"webhook_id": "wh1", "failed": False, "msg": "Would trigger (check mode)", "request": {"webhookId": "wh1"}}]}
    entry, = webhook_results(triggered, TARGETS[:1])
    assert entry["request"] == {"webhookId": "wh1"} and entry["msg"] == "Would trigger (check mode)"


def test_a_task_that_tried_nothing_fails_every_target_with_its_message():
    no_token = {"failed": True, "msg": "None of the 2 webhooks was triggered: GenAuth API error on ..."}
    assert [(e["name"], e["failed"], e["msg"]) for e in webhook_results(no_token, TARGETS)] == [
        ("board", True, no_token["msg"]), ("wh2", True, no_token["msg"])]
    shared = {"failed": True, "msg": "Invalid options: timeout: must be greater than 0 and at most 3600 seconds"}
    assert [e["msg"] for e in webhook_results(shared, TARGETS)] == [shared["msg"]] * 2
    assert webhook_results({"skipped": True}, TARGETS)[0]["msg"] == "not triggered"
    assert webhook_results({"skipped": True}, []) == []


def test_a_refused_item_gets_its_own_refusal_and_the_others_say_why_they_were_not_sent():
    """The module names items by their place in its webhooks list, which the role's user never wrote: each target
    gets what concerns it, by its own name."""
    targets = [{"name": "change-board", "webhook_id": "5a112baf"}, {"name": "audit-log", "webhook_id": "62a0b1c"},
               {"webhook_id": "77b3"}]
    refused = {"failed": True, "msg": "Invalid options: webhooks[1]['request_headers']['X-A']: value must not contain "
                                      "CR or LF; webhooks[1]['webhook_id']: must not contain whitespace or control "
                                      "characters; webhooks[2]: must be a dictionary with webhook_id"}
    entries = webhook_results(refused, targets)
    assert [(entry["name"], entry["failed"]) for entry in entries] == [
        ("change-board", True), ("audit-log", True), ("77b3", True)]
    assert [entry["msg"] for entry in entries] == [
        "not triggered: nothing was sent, because the options of audit-log, 77b3 were refused",
        "Invalid options: request_headers['X-A']: value must not contain CR or LF; webhook_id: must not contain "
        "whitespace or control characters",
        "Invalid options: must be a dictionary with webhook_id",
    ]
    assert all("webhooks[" not in entry["msg"] for entry in entries)


def test_a_refusal_of_items_and_of_a_shared_option_tells_every_target_the_shared_one():
    refused = {"failed": True, "msg": "Invalid options: timeout: must be a number of seconds; "
                                      "webhooks[0]['webhook_id']: must be a non-empty string"}
    board, other = webhook_results(refused, TARGETS)
    assert board["msg"] == ("Invalid options: webhook_id: must be a non-empty string; "
                            "timeout: must be a number of seconds")
    assert other["msg"] == ("not triggered: nothing was sent, because the options of board were refused; "
                            "Invalid options: timeout: must be a number of seconds")


@pytest.mark.parametrize("triggered, targets, message", [
    ("oops", TARGETS, "the input must be the registered result of a task (a dictionary)"),
    ({}, "wh1", "targets must be the list of targets the task was given"),
])
def test_wrong_inputs_are_refused(triggered, targets, message):
    with pytest.raises(AnsibleFilterError, match="^" + re.escape("webhook_results: " + message)):
        webhook_results(triggered, targets)


def test_the_filters_go_by_their_documented_names():
    from ansible_collections.genauth.management.plugins.filter import webhook_items as items, webhook_results as results
    assert items.FilterModule().filters() == {"webhook_items": webhook_items}
    assert results.FilterModule().filters() == {"webhook_results": webhook_results}

"""The plan of a set of declared webhooks (_declared.plan_webhooks): which webhook each declaration selects, what
it writes (create, update, delete, nothing), what purge deletes within purge_names, and every declaration that
cannot be carried out refused together before anything is written. The rules of one declaration are
test_webhooks.py's; what main() makes of a plan (the writes, check mode, failures) is test_genauth_webhook.py's."""

import pytest

from ansible_collections.genauth.management.plugins.module_utils._declared import (
    SET_RULES, plan_webhooks, purge_scope,
)
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._validation import build_schema, validate
from ansible_collections.genauth.management.tests.unit.helpers import refusal


def hook(webhook_id, name, **fields):
    return dict({"webhookId": webhook_id, "name": name, "url": "https://h.example/" + webhook_id, "events": ["test"],
                 "contentType": "application/json", "enabled": True, "secret": ""}, **fields)


def declared(name=None, **options):
    """A checked declaration, as declare_webhooks hands it to the plan (state and update_secret filled in)."""
    return dict(dict.fromkeys(("webhook_id", "url", "events", "content_type", "enabled", "secret")),
                **dict(dict(name=name, state="present", update_secret="always"), **options))


POOL = [hook("a1", "team-a deploys"), hook("a2", "team-a audit", enabled=False), hook("a3", "team-a stale"),
        hook("b1", "team-b deploys"), hook("x1", "console hook")]


def actions(steps):
    return [(step.action, (step.current or step.after or {}).get("name"), step.label) for step in steps]


def test_each_declaration_plans_its_write_in_order():
    steps = plan_webhooks(POOL, [
        declared("team-a deploys"),                                    # as it is
        declared("team-a audit", enabled=True),                        # differs
        declared("team-a new", url="https://h.example/n", events=["login"]),
        declared("team-a stale", state="absent"),
        declared("gone", state="absent"),                              # absent already
    ])
    assert actions(steps) == [(None, "team-a deploys", "webhooks[0]"), ("update", "team-a audit", "webhooks[1]"),
                              ("create", "team-a new", "webhooks[2]"), ("delete", "team-a stale", "webhooks[3]"),
                              (None, None, "webhooks[4]")]
    assert steps[1].fields == {"enabled": True} and steps[1].after == dict(POOL[1], enabled=True)
    assert steps[2].fields == {"name": "team-a new", "url": "https://h.example/n", "events": ["login"],
                               "contentType": "application/json", "enabled": True, "secret": None}
    assert steps[0].after is POOL[0] and steps[3].after is None


def test_without_purge_nothing_undeclared_is_deleted():
    assert [step.action for step in plan_webhooks(POOL, [declared("team-a deploys")])] == [None]


def test_purge_alone_deletes_every_webhook_no_declaration_selects():
    steps = plan_webhooks(POOL, [declared("team-a deploys"), declared(webhook_id="b1", name="team-b renamed")],
                          purge=True)
    assert actions(steps)[2:] == [("delete", "team-a audit", "purge"), ("delete", "team-a stale", "purge"),
                                  ("delete", "console hook", "purge")]
    assert steps[1].fields == {"name": "team-b renamed"}


def test_purge_names_keep_purge_to_the_webhooks_they_match():
    """Out of the scope: another team's webhook, one created in the console; in it, only the undeclared."""
    steps = plan_webhooks(POOL, [declared("team-a deploys")], purge=True, purge_names=["team-a *"])
    assert actions(steps)[1:] == [("delete", "team-a audit", "purge"), ("delete", "team-a stale", "purge")]
    steps = plan_webhooks(POOL, [], purge=True, purge_names=["team-b deploys", "console ?ook"])
    assert actions(steps) == [("delete", "team-b deploys", "purge"), ("delete", "console hook", "purge")]
    # Matched whole and case-sensitive; an explicit absent is deleted whatever purge_names says.
    steps = plan_webhooks(POOL, [declared("console hook", state="absent")], purge=True, purge_names=["TEAM-A*", "team"])
    assert actions(steps) == [("delete", "console hook", "webhooks[0]")]


def test_a_webhook_without_a_name_is_out_of_every_scope_but_a_bare_purge():
    nameless = [hook("n1", None)]
    assert plan_webhooks(nameless, [], purge=True, purge_names=["*"]) == []
    assert [step.action for step in plan_webhooks(nameless, [], purge=True)] == ["delete"]


def test_every_declaration_that_cannot_be_carried_out_is_refused_together():
    pool = POOL + [hook("a4", "team-a audit")]
    with pytest.raises(GenAuthError) as refused:
        plan_webhooks(pool, [
            declared("team-a deploys", enabled=False),
            declared("team-a audit", enabled=True),                   # two webhooks have the name
            declared(webhook_id="zz", name="ghost"),                  # an id the pool does not have
            declared("brand new", url="https://h.example/n"),        # no events to create it with
            declared(webhook_id="a1", name="team-a deploys v2"),      # a1 again
        ], purge=True)
    msg = refused.value.msg
    assert msg.startswith("webhooks[1]: 2 webhooks are named 'team-a audit' (a2, a4)")
    assert "webhooks[2]: Webhook zz does not exist in this user pool" in msg
    assert "webhooks[3]: No webhook is named 'brand new', and creating one needs events." in msg
    assert "webhooks[4]: selects webhook a1, which webhooks[0] declares already" in msg
    assert msg.endswith(". Nothing was changed.") and msg.count("Nothing was changed") == 1


def test_a_webhook_id_is_found_in_the_list_and_wins_over_its_name():
    steps = plan_webhooks(POOL, [declared(webhook_id="a3", name="team-a audit")])
    assert actions(steps) == [("update", "team-a stale", "webhooks[0]")] and steps[0].fields == {"name": "team-a audit"}


@pytest.mark.parametrize("options, message", [
    ({"webhooks": [{"name": "a"}, {"name": "b"}, {"name": "a"}]},
     "webhooks[2]['name']: repeats webhooks[0]['name'] ('a'): declare each webhook once"),
    ({"webhooks": [{"webhook_id": "w1"}, {"webhook_id": "w1", "name": "b"}]},
     "webhooks[1]['webhook_id']: repeats webhooks[0]['webhook_id'] ('w1')"),
    ({"webhooks": [{"name": "a", "url": "ftp://x/"}]}, "webhooks[0]['url']: must start with http:// or https://"),
    ({"webhooks": ["a"]}, "webhooks[0]: must be a dictionary"),
    ({"purge_names": []}, "purge_names: must list at least one name pattern"),
    ({"purge_names": ["a", ""]}, "purge_names[1]: must be a non-empty name pattern"),
    ({"purge_names": ["team *"], "purge": False}, "purge_names: narrows what purge deletes and deletes nothing itself"),
])
def test_a_set_s_rules(options, message):
    assert message in refusal(build_schema(SET_RULES, purge_scope), options)


def test_an_empty_set_is_a_declaration():
    assert validate(build_schema(SET_RULES, purge_scope), {"webhooks": [], "purge": True})["webhooks"] == []

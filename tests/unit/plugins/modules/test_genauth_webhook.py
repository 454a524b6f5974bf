"""What genauth_webhook decides, through main() with HTTP mocked at the requests level by a small stateful stand-in
of the webhook endpoints: idempotence, what an update sends, check mode and diff, the secret, and the refusals.

The documented playbook contract (the lifecycle against the emulator, the secret scan at -vvvv) is the
genauth_webhook ansible-test target's; the option rules and the comparison are tested where they live
(test_webhooks.py, test_resource.py).
"""

import pytest

from ansible_collections.genauth.management.plugins.module_utils._resource import SECRET_CHANGED, SECRET_MASK
from ansible_collections.genauth.management.plugins.modules import genauth_webhook
from ansible_collections.genauth.management.tests.unit.helpers import CONNECTION, KEY_SECRET, run_module
from ansible_collections.genauth.management.tests.unit.plugins.modules.fake_genauth import FakeGenAuth

SECRET = "whsec-Yp27-current"
NEW_SECRET = "whsec-Kd93-rotated"
EXISTING = {"webhookId": "wh1", "name": "deploys", "url": "https://hooks.example/deploy",
            "contentType": "application/x-www-form-urlencoded", "enabled": False, "events": ["test", "login"],
            "secret": SECRET, "createdAt": "t0", "updatedAt": "t0"}
DECLARED = dict(name="deploys", url="https://hooks.example/deploy", events=["login", "test"])


def run(check=False, diff=True, **args):
    """main() in check or diff mode; no secret is in what it prints, whatever it does."""
    args = dict(CONNECTION, _ansible_check_mode=check, _ansible_diff=diff, **args)
    code, result, out = run_module(genauth_webhook, args)
    for secret in (KEY_SECRET, SECRET, NEW_SECRET):
        assert secret not in out
    return code, result


@pytest.fixture
def fake(mocked):
    return FakeGenAuth(mocked, [EXISTING])


@pytest.fixture
def empty(mocked):
    return FakeGenAuth(mocked)


def test_create_sends_the_defaults_of_a_new_webhook_and_returns_it_masked(empty):
    code, result = run(name="audit", url="https://audit.example/h", events=["login", "login"], secret=SECRET)
    assert code == 0 and result["changed"] is True and result["webhook_id"] == "new1"
    created = {"name": "audit", "url": "https://audit.example/h", "events": ["login"],
               "contentType": "application/json", "enabled": True}
    assert empty.writes() == [("create-webhook", dict(created, secret=SECRET))]
    assert result["webhook"]["secret"] == SECRET_MASK and result["webhook"]["has_secret"] is True
    assert result["diff"] == {"before": {}, "after": dict(created, secret=SECRET_CHANGED)}


def test_the_same_declaration_again_writes_nothing(empty):
    run(secret=SECRET, **DECLARED)
    code, result = run(secret=SECRET, **{**DECLARED, "events": ["test", "login", "test"]})
    assert code == 0 and result["changed"] is False and result["webhook_id"] == "new1"
    assert [name for name, dummy in empty.writes()] == ["create-webhook"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_no_default_is_applied_to_an_existing_webhook(fake):
    """The webhook posts forms and is disabled; a task that names neither leaves both."""
    code, result = run(**DECLARED)
    assert code == 0 and result["changed"] is False and fake.writes() == []
    assert result["webhook"]["contentType"] == "application/x-www-form-urlencoded"
    assert result["webhook"]["enabled"] is False and result["webhook"]["has_secret"] is True


def test_only_the_fields_that_differ_are_sent_and_the_diff_shows_only_them(fake):
    code, result = run(**{**DECLARED, "events": ["login", "user:created"]})
    assert code == 0 and result["changed"] is True
    assert fake.writes() == [("update-webhook", {"webhookId": "wh1", "events": ["login", "user:created"]})]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert [key for key in before if before[key] != after[key]] == ["events"]
    assert after["events"] == ["login", "user:created"] and before["secret"] == after["secret"] == SECRET_MASK


@pytest.mark.parametrize("args", [
    dict(DECLARED, events=["user:deleted"], enabled=True),
    dict(DECLARED, secret=NEW_SECRET),
    dict(DECLARED, name="renamed", webhook_id="wh1"),
    dict(name="deploys", state="absent"),
    dict(name="brand new", url="https://n.example/", events=["test"], secret=NEW_SECRET),
    dict(DECLARED),
    dict(name="missing", state="absent"),
], ids=["update", "rotate", "rename", "remove", "create", "unchanged", "absent-missing"])
def test_check_mode_predicts_the_real_run_and_writes_nothing(mocked, args):
    checked = FakeGenAuth(mocked, [EXISTING])
    code, predicted = run(check=True, **args)
    assert code == 0 and checked.writes() == []
    mocked.reset()
    real = FakeGenAuth(mocked, [EXISTING])
    code, done = run(**args)
    assert code == 0
    assert (predicted["changed"], predicted["diff"]) == (done["changed"], done["diff"])
    assert bool(real.writes()) is done["changed"]
    if done["webhook"].get("webhookId") != "new1":  # a webhook to be created has no id before it exists
        assert predicted["webhook_id"] == done["webhook_id"]


def test_a_secret_the_api_shows_is_compared(fake):
    code, result = run(secret=SECRET, **DECLARED)
    assert result["changed"] is False and fake.writes() == []
    code, result = run(secret=NEW_SECRET, **DECLARED)
    assert result["changed"] is True
    assert fake.writes() == [("update-webhook", {"webhookId": "wh1", "secret": NEW_SECRET})]
    assert result["diff"]["before"]["secret"] == SECRET_MASK and result["diff"]["after"]["secret"] == SECRET_CHANGED


@pytest.mark.parametrize("shown", ["", "********", "whs***27"])
@pytest.mark.parametrize("update_secret, changed", [("always", True), ("on_create", False)])
def test_a_secret_the_api_hides_follows_update_secret(mocked, shown, update_secret, changed):
    fake = FakeGenAuth(mocked, [EXISTING], mask_secrets=shown)
    if shown == "":
        fake.webhooks["wh1"]["secret"] = ""
    code, result = run(secret=NEW_SECRET, update_secret=update_secret, **DECLARED)
    assert code == 0 and result["changed"] is changed
    assert fake.writes() == ([("update-webhook", {"webhookId": "wh1", "secret": NEW_SECRET})] if changed else [])


def test_diff_only_in_diff_mode(fake):
    code, result = run(diff=False, **DECLARED, enabled=True)
    assert result["changed"] is True and "diff" not in result


def test_several_webhooks_with_the_name_fail_naming_their_ids_and_change_nothing(mocked):
    fake = FakeGenAuth(mocked, [EXISTING, dict(EXISTING, webhookId="wh2")])
    for state in ("present", "absent"):
        code, result = run(state=state, **DECLARED, enabled=True)
        assert code == 1 and "2 webhooks are named 'deploys' (wh1, wh2)" in result["msg"]
        assert "Give webhook_id" in result["msg"] and "Nothing was changed" in result["msg"]
    assert fake.writes() == []
    code, result = run(webhook_id="wh2", **DECLARED, enabled=True)
    assert code == 0 and fake.writes() == [("update-webhook", {"webhookId": "wh2", "enabled": True})]


def test_unknown_events_are_refused_with_the_closest_names_before_any_write(fake):
    code, result = run(**{**DECLARED, "events": ["user:create", "logn", "test"]})
    assert code == 1 and fake.writes() == []
    assert "'user:create' (did you mean 'user:created'" in result["msg"]
    assert "'logn' (did you mean 'login'" in result["msg"] and "Nothing was changed" in result["msg"]
    assert result["msg"].startswith("Invalid options: events: unknown events ")
    assert "GenAuth offers: login, register, test, user:created, user:deleted, user:updated." in result["msg"]
    code, result = run(name="new", url="https://n.example/", events=["zzzzzz"])
    assert code == 1 and "'zzzzzz' (no similar event)" in result["msg"] and fake.writes() == []


def test_remove_then_remove_again(fake):
    code, result = run(name="deploys", state="absent")
    assert code == 0 and result["changed"] is True and result["webhook_id"] == "wh1" and result["webhook"] == {}
    assert fake.writes() == [("delete-webhook", {"webhookIds": ["wh1"]})]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["name"] == "deploys"
    code, result = run(name="deploys", state="absent")
    assert code == 0 and result["changed"] is False and result["webhook_id"] is None
    code, result = run(webhook_id="wh1", state="absent")
    assert code == 0 and result["changed"] is False and len(fake.writes()) == 1


def test_an_unknown_webhook_id_is_not_created(fake):
    code, result = run(webhook_id="nope", **DECLARED)
    assert code == 1 and "Webhook nope does not exist" in result["msg"] and result["status_code"] == 404
    assert fake.writes() == []


def test_creating_needs_name_url_and_events(empty):
    code, result = run(name="audit", url="https://audit.example/h")
    assert code == 1
    assert result["msg"] == "No webhook is named 'audit', and creating one needs events. Nothing was changed."
    assert empty.writes() == []


# The rules' own cases are test_webhooks.py's (test_declared_webhook_rules): one is enough to show main() applies them.
@pytest.mark.parametrize("args, message", [
    (dict(url="https://x.example/"), "one of the following is required: webhook_id, name"),
    (dict(name="n", url="ftp://x.example/"), "url: must start with http:// or https://"),
    (dict(name="n", content_type="text/plain"), "content_type must be one of"),
])
def test_invalid_options_are_refused_before_any_call(mocked, empty, args, message):
    code, result = run(**args)
    assert code == 1 and message in result["msg"] and len(mocked.calls) == 0


# ---------------------------------------------------------------------------------------------- a set: webhooks

def pool_hook(number, name=None, **fields):
    return dict({"webhookId": "p%02d" % number, "name": name or "other %02d" % number, "url": "https://o.example/",
                 "events": ["test"], "contentType": "application/json", "enabled": True, "secret": "",
                 "createdAt": "t0", "updatedAt": "t0"}, **fields)


# More than one page of list-webhooks: 55 webhooks of another team, 3 of team a (one of them no longer declared).
POOL = [pool_hook(number) for number in range(55)] + [
    pool_hook(55, "team-a deploys", secret=SECRET), pool_hook(56, "team-a audit", enabled=False),
    pool_hook(57, "team-a stale")]
SET = [dict(name="team-a deploys", url="https://o.example/", events=["test"], secret=SECRET),
       dict(name="team-a audit", enabled=True, events=["login", "test"]),
       dict(name="team-a new", url="https://a.example/new", events=["login"], secret=NEW_SECRET)]
SCOPE = dict(purge=True, purge_names=["team-a *"])


@pytest.fixture
def pool(mocked):
    return FakeGenAuth(mocked, POOL)


def test_a_set_reads_every_page_once_and_writes_only_the_differences(pool):
    code, result = run(webhooks=SET, **SCOPE)
    assert code == 0 and result["changed"] is True
    # The writes run at the same time (concurrency), so in any order.
    assert pool.names()[:3] == ["list-webhooks", "list-webhooks", "get-webhook-event-list"] and len(pool.calls) == 6
    assert sorted(pool.writes(), key=repr) == [
        ("create-webhook", {"name": "team-a new", "url": "https://a.example/new", "events": ["login"],
                            "contentType": "application/json", "enabled": True, "secret": NEW_SECRET}),
        ("delete-webhook", {"webhookIds": ["p57"]}),
        ("update-webhook", {"webhookId": "p56", "enabled": True, "events": ["login", "test"]})]
    assert [entry["changed"] for entry in result["results"]] == [False, True, True]
    assert [entry["webhook_id"] for entry in result["results"]] == ["p55", "p56", "new1"]
    assert not any(entry["failed"] for entry in result["results"])
    assert result["results"][0]["webhook"]["secret"] == SECRET_MASK and result["results"][0]["webhook"]["has_secret"]
    assert (result["created"], result["updated"], result["deleted"]) == (
        [{"webhook_id": "new1", "name": "team-a new"}], [{"webhook_id": "p56", "name": "team-a audit"}],
        [{"webhook_id": "p57", "name": "team-a stale"}])
    assert len(pool.webhooks) == 58 and all(("p%02d" % number) in pool.webhooks for number in range(55))
    code, again = run(webhooks=SET, **SCOPE)
    assert code == 0 and again["changed"] is False and again["diff"] == []
    assert pool.names()[6:] == ["list-webhooks", "list-webhooks"]
    assert (again["created"], again["updated"], again["deleted"]) == ([], [], [])


def test_the_diff_shows_every_change_and_no_secret(pool):
    code, result = run(webhooks=SET, **SCOPE)
    headers = [change["before_header"] for change in result["diff"]]
    assert headers == ["update of webhook 'team-a audit' (p56) (webhooks[1])",
                       "create of webhook 'team-a new' (webhooks[2])",
                       "delete of webhook 'team-a stale' (p57) (purge)"]
    assert result["diff"][1] == dict(result["results"][2]["diff"], before_header=headers[1], after_header=headers[1])
    assert result["diff"][1]["after"]["secret"] == SECRET_CHANGED and result["diff"][2]["after"] == {}
    code, result = run(diff=False, webhooks=SET, **SCOPE)
    assert "diff" not in result and not any("diff" in entry for entry in result["results"])


def test_check_mode_gives_the_whole_plan_of_the_real_run_and_writes_nothing(mocked):
    checked = FakeGenAuth(mocked, POOL)
    code, predicted = run(check=True, webhooks=SET, **SCOPE)
    assert code == 0 and checked.writes() == []
    mocked.reset()
    FakeGenAuth(mocked, POOL)
    code, done = run(webhooks=SET, **SCOPE)
    assert predicted["created"] == [{"webhook_id": None, "name": "team-a new"}]  # no id before it exists
    predicted["created"][0]["webhook_id"] = predicted["results"][2]["webhook_id"] = "new1"
    predicted["results"][2]["webhook"]["webhookId"] = "new1"
    for entry in predicted["results"] + done["results"]:  # what only GenAuth fills in
        for stamp in ("createdAt", "updatedAt"):
            entry["webhook"].pop(stamp, None)
    for key in ("changed", "results", "created", "updated", "deleted", "diff"):
        assert predicted[key] == done[key], key


def test_without_purge_or_outside_purge_names_nothing_undeclared_is_deleted(pool):
    code, result = run(webhooks=SET)
    assert code == 0 and result["deleted"] == [] and "p57" in pool.webhooks
    code, result = run(webhooks=[dict(name="other 00", state="absent")], purge=True, purge_names=["nobody *"])
    assert code == 0 and pool.writes()[-1] == ("delete-webhook", {"webhookIds": ["p00"]})
    assert result["deleted"] == [{"webhook_id": "p00", "name": "other 00"}] and len(pool.webhooks) == 58


def test_purge_alone_deletes_every_webhook_the_set_does_not_declare(pool):
    code, result = run(webhooks=SET[:1], purge=True)
    assert code == 0 and [name for name, dummy in pool.writes()] == ["delete-webhook"] * 57
    assert list(pool.webhooks) == ["p55"] and len(result["deleted"]) == 57


def test_a_write_that_fails_leaves_the_others_done_and_a_rerun_converges(pool):
    pool.failing = {"update-webhook": {"p56"}}
    code, result = run(webhooks=SET, concurrency=1, **SCOPE)
    assert code == 1 and result["changed"] is True
    assert result["msg"].startswith("1 of 3 writes failed: update of webhook 'team-a audit' (p56) (webhooks[1]): ")
    assert "running the task again makes the rest" in result["msg"]
    failed = result["results"][1]
    assert failed["failed"] is True and failed["changed"] is False and failed["status_code"] == 500
    assert failed["webhook"]["enabled"] is False and failed["diff"]["before"] == failed["diff"]["after"]
    assert result["updated"] == [] and [hook["name"] for hook in result["created"] + result["deleted"]] == [
        "team-a new", "team-a stale"]
    code, rerun = run(webhooks=SET, **SCOPE)
    assert code == 0 and rerun["updated"] == [{"webhook_id": "p56", "name": "team-a audit"}]
    assert rerun["created"] == rerun["deleted"] == [] and len(pool.writes()) == 4
    code, again = run(webhooks=SET, **SCOPE)
    assert again["changed"] is False and len(pool.writes()) == 4


def test_a_name_that_genauth_holds_twice_fails_the_set_with_nothing_written(mocked):
    fake = FakeGenAuth(mocked, POOL + [pool_hook(58, "team-a audit")])
    code, result = run(webhooks=SET, **SCOPE)
    assert code == 1 and fake.writes() == [] and "get-webhook-event-list" not in fake.names()
    assert result["msg"] == (
        "webhooks[1]: 2 webhooks are named 'team-a audit' (p56, p58): GenAuth does not keep names unique, so the "
        "task cannot tell which one it declares. Give webhook_id to choose one (and remove or rename the others). "
        "Nothing was changed.")


def test_an_unknown_event_of_any_item_fails_the_set_with_nothing_written(pool):
    code, result = run(webhooks=[SET[0], dict(SET[2], events=["logn"])], **SCOPE)
    assert code == 1 and pool.writes() == []
    assert result["msg"].startswith("Invalid options: webhooks[1]['events']: unknown event 'logn' (did you mean 'login'")


@pytest.mark.parametrize("shown", ["", "********"])
def test_update_secret_of_a_set_is_each_item_s_else_the_task_s(mocked, shown):
    fake = FakeGenAuth(mocked, POOL[55:57], mask_secrets=shown or None)
    declared = [dict(name="team-a deploys", secret=NEW_SECRET), dict(name="team-a audit", secret=NEW_SECRET,
                                                                     update_secret="always")]
    code, result = run(webhooks=declared, update_secret="on_create")
    expected = [("update-webhook", {"webhookId": "p56", "secret": NEW_SECRET})]
    if not shown:  # GenAuth shows the secret: compared, whatever update_secret says
        expected.insert(0, ("update-webhook", {"webhookId": "p55", "secret": NEW_SECRET}))
    assert code == 0 and sorted(fake.writes(), key=repr) == sorted(expected, key=repr)


def test_state_of_a_set_is_each_item_s_else_the_task_s(pool):
    code, result = run(webhooks=[dict(name="team-a stale"), dict(name="team-a audit", state="present")],
                       state="absent")
    assert code == 0 and pool.writes() == [("delete-webhook", {"webhookIds": ["p57"]})]


@pytest.mark.parametrize("args, message", [
    (dict(webhooks=[dict(name="a", url="https://a.example/", events=["test"]), dict(name="a")]),
     "webhooks[1]['name']: repeats webhooks[0]['name'] ('a'): declare each webhook once"),
    (dict(webhooks=[dict(url="https://a.example/")]), "one of the following is required: webhook_id, name"),
    (dict(webhooks=[], name="a"), "parameters are mutually exclusive: name|webhooks"),
    (dict(name="a", purge=True), "purge is True but all of the following are missing: webhooks"),
    (dict(webhooks=[], purge_names=["a*"]), "purge_names: narrows what purge deletes and deletes nothing itself"),
    (dict(webhooks=[], purge=True, purge_names=[]), "purge_names: must list at least one name pattern"),
    (dict(webhooks=[], concurrency=0), "concurrency: must be between 1 and 32"),
])
def test_a_set_is_refused_before_any_call(mocked, pool, args, message):
    code, result = run(**args)
    assert code == 1 and message in result["msg"] and len(mocked.calls) == 0


def test_a_bug_in_one_write_is_reported_as_that_write_s_failure(pool, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(genauth_webhook.WebhookAPI, "update", broken)
    code, result = run(webhooks=SET, **SCOPE)
    assert code == 1 and "update of webhook 'team-a audit' (p56) (webhooks[1]): Unexpected RuntimeError: boom" in result["msg"]
    assert result["results"][1]["failed"] is True and result["results"][1]["changed"] is False
    assert [hook["name"] for hook in result["created"] + result["deleted"]] == ["team-a new", "team-a stale"]

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

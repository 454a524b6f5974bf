"""A token from genauth_token used with the key pair beside it (module_defaults), through ansible-playbook against
the emulator: one token call while it is good; when it expires mid-play or is found expired by its exp claim, one
new token from the key pair, one warning, and every trigger delivered once. The contract of logging in once and
of lookup_webhook is the genauth_token ansible-test target's."""

import base64
import json
import time


def ids(ansible, *names):
    return [ansible.servers.webhooks[name] for name in names]


def deliveries(ansible):
    return sorted(delivery["path"] for delivery in ansible.servers.receiver.deliveries())


def test_a_token_expiring_mid_play_is_replaced_once_from_the_key_pair(ansible):
    run = ansible.playbook("token_fallback.yml", extra_vars={
        "first_ids": ids(ansible, "deploy", "form"), "expire_mid_play": True,
        "emulator_url": ansible.servers.emulator_url,
        "rest_webhooks": [{"webhook_id": webhook_id} for webhook_id in ids(ansible, "deploy", "form", "deploy")]})
    assert run.rc == 0, run.output
    assert run.result["first"] == [True, True] and not run.result["rest"]["failed"]
    # Every trigger delivered once: the rejected call was not processed, and was repeated once.
    assert deliveries(ansible) == ["/hooks/deploy"] * 3 + ["/hooks/form"] * 2
    emulator = ansible.servers.emulator
    assert len(emulator.requests("get-management-token")) == 2  # the login, and one replacement
    assert len(emulator.requests("trigger-webhook")) == 6  # 5 triggers and the one rejected
    refreshes = [w for w in run.warnings() if "rejected the access_token given (statusCode 401)" in w]
    assert len(refreshes) == 1 and len(run.warnings()) == 1, run.warnings()


def stale_jwt(seconds_ago):
    """A token whose exp claim has passed: the module must not even send it."""
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    now = int(time.time())
    return "%s.%s.c2ln" % (part({"alg": "HS256", "typ": "JWT"}),
                           part({"scoped_userpool_id": "pool", "iat": now - 7200, "exp": now - seconds_ago}))


def test_a_token_found_expired_by_its_exp_claim_is_replaced_before_any_call_with_it(ansible):
    stale = stale_jwt(60)
    run = ansible.playbook("token_fallback.yml", extra_vars={
        "first_ids": ids(ansible, "deploy"), "stale_token": stale,
        "rest_webhooks": [{"webhook_id": webhook_id} for webhook_id in ids(ansible, "form", "deploy")]})
    assert run.rc == 0, run.output
    assert deliveries(ansible) == ["/hooks/deploy"] * 2 + ["/hooks/form"]
    emulator = ansible.servers.emulator
    assert not [r for r in emulator.requests() if stale in r["headers"].get("authorization", "")]
    # The login, then one per task that was given the stale token (a module run cannot pass its new token on).
    assert len(emulator.requests("get-management-token")) == 3
    # Both tasks warn word for word the same, and Ansible shows a warning once per run.
    expired = [w for w in run.warnings() if "(its exp claim) and was not used; fetched a new token" in w]
    assert len(expired) == 1 and len(run.warnings()) == 1, run.warnings()


def test_genauth_token_hides_the_token_yet_shows_a_failure(ansible):
    """Without no_log on the task, at -vvvv: the token's result is hidden (the scan finds no token in the output)
    while the registered value holds it; a failure, which holds no token, keeps its message visible."""
    run = ansible.playbook("token_output.yml")
    assert run.rc == 0, run.output
    assert run.result["token_length"] > 20 and run.result["expires_in"] > 0
    assert run.output.count("the output has been hidden due to the fact that 'no_log: true' was specified") == 1
    assert "GenAuth API error on get-management-token" in run.result["wrong_msg"]
    assert "GenAuth API error on get-management-token" in run.output

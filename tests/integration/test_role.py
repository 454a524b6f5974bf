"""The deploy_webhooks role through ansible-playbook: a three-host play against the emulator."""

import json
import os
from urllib.parse import parse_qsl

import pytest

INVENTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "role_inventory.ini")


def run_role(ansible, targets, playbook="role.yml", **extra):
    extra_vars = dict(deploy_webhooks_targets=targets, deploy_webhooks_application="billing",
                      deploy_webhooks_version="2.4.0", deploy_webhooks_environment="production")
    extra_vars.update(extra.pop("extra_vars", {}))
    env = dict({"ANSIBLE_INVENTORY": INVENTORY}, **extra.pop("env", {}))
    return ansible.playbook(playbook, extra_vars=extra_vars, env=env, **extra)


def target(ansible, seeded, **fields):
    return dict(webhook_id=ansible.servers.webhooks.get(seeded, seeded), **fields)


def bodies(ansible):
    """(path, body) of each delivery; the seeded "form" webhook posts form-encoded bodies."""
    found = []
    for delivery in ansible.servers.receiver.deliveries():
        if delivery["path"] == "/hooks/form":
            found.append((delivery["path"], dict(parse_qsl(delivery["body"]))))
        else:
            found.append((delivery["path"], json.loads(delivery["body"])))
    return found


def test_several_targets_once_per_play_with_merged_payload(ansible):
    ansible.servers.receiver.configure(body={"ticket": "CHG-77"})
    targets = [target(ansible, "deploy", name="change-board", request_headers={"X-Team": "payments"},
                      request_body={"version": "2.4.0-hotfix", "extra": {"ticket_queue": "ops"}}),
               target(ansible, "form", name="audit")]
    run = run_role(ansible, targets, extra_vars={"fail_host": "web3"})
    assert run.rc == 2, run.output  # web3's deployment failed; the role still ran once for the others
    delivered = bodies(ansible)
    assert sorted(path for path, dummy in delivered) == ["/hooks/deploy", "/hooks/form"]
    deploy = dict(delivered)["/hooks/deploy"]
    assert deploy["event"] == "deployment.finished" and deploy["application"] == "billing"
    assert deploy["version"] == "2.4.0-hotfix" and deploy["extra"] == {"ticket_queue": "ops"}  # target wins
    assert deploy["environment"] == "production"
    assert deploy["hosts"] == ["web1", "web2"] and deploy["failed_hosts"] == ["web3"]
    assert deploy["finished_at"].endswith("Z") and deploy["triggered_by"]
    assert dict(delivered)["/hooks/form"]["version"] == "2.4.0"
    deliveries = {d["path"]: d for d in ansible.servers.receiver.deliveries()}
    assert {k.lower(): v for k, v in deliveries["/hooks/deploy"]["headers"].items()}["x-team"] == "payments"
    assert len(ansible.servers.emulator.requests("get-management-token")) == 1

    results = run.result["results"]
    assert [(r["name"], r["failed"], r["msg"]) for r in results] == [
        ("change-board", False, "Triggered"), ("audit", False, "Triggered")]
    assert results[0]["webhook_id"] == ansible.servers.webhooks["deploy"]
    assert results[0]["status_code"] == 200 and results[0]["request_id"]
    assert run.result["first_response"] == {"ticket": "CHG-77"} and run.result["web2_has_results"] is True


@pytest.mark.parametrize("changed", [True, False])
def test_handler_fires_only_when_the_deployment_changed(ansible, changed):
    run = run_role(ansible, [target(ansible, "deploy")], playbook="role_handler.yml",
                   extra_vars={"deploy_changes": changed})
    assert run.rc == 0, run.output
    if changed:
        assert len(bodies(ansible)) == 1  # three hosts notified; triggered once
        assert [r["failed"] for r in run.result["results"]] == [False]
        assert bodies(ansible)[0][1]["hosts"] == ["web1", "web2", "web3"]
    else:
        assert bodies(ansible) == [] and run.result["results"] is None
        assert ansible.servers.emulator.requests() == []


def test_fail_on_error_fails_the_play_after_trying_every_target(ansible):
    targets = [target(ansible, "000000000000000000000000", name="ghost"), target(ansible, "deploy", name="board")]
    run = run_role(ansible, targets)
    assert run.rc == 2
    assert "deploy_webhooks: 1 of 2 webhooks failed: ghost (000000000000000000000000): " in run.output
    assert len(bodies(ansible)) == 1  # the good target was still triggered
    assert run.result is None  # the play stopped: the later play did not run


def test_fail_on_error_false_records_the_failure_with_a_warning(ansible):
    targets = [target(ansible, "000000000000000000000000", name="ghost"), target(ansible, "deploy", name="board")]
    run = run_role(ansible, targets, extra_vars={"deploy_webhooks_fail_on_error": False})
    assert run.rc == 0, run.output
    ghost, board = run.result["results"]
    assert ghost["failed"] is True and "get-webhook" in ghost["msg"] and ghost["status_code"] == 404
    assert board["failed"] is False and board["response"] is not None
    assert any(w.startswith("Webhook 000000000000000000000000 failed: ") for w in run.warnings())


def test_bad_credentials_with_fail_on_error_false_go_on(ansible):
    run = run_role(ansible, [target(ansible, "deploy"), target(ansible, "form")],
                   extra_vars={"deploy_webhooks_fail_on_error": False,
                               "deploy_webhooks_access_key_secret": "wrong-secret-Qx3"})
    assert run.rc == 0, run.output
    assert [r["failed"] for r in run.result["results"]] == [True, True]
    assert any("None of the 2 webhooks was triggered" in w for w in run.warnings())
    assert bodies(ansible) == [] and "wrong-secret-Qx3" not in run.output


def test_refused_options_fail_even_without_fail_on_error(ansible):
    run = run_role(ansible, [target(ansible, "deploy", request_headers={"X-A": "a\nb"})],
                   extra_vars={"deploy_webhooks_fail_on_error": False})
    assert run.rc == 2
    assert "request_headers']['X-A']: value must not contain CR or LF" in run.output
    assert ansible.servers.emulator.requests() == []


def test_check_mode_delivers_nothing_and_says_what_would_be_sent(ansible):
    run = run_role(ansible, [target(ansible, "deploy", request_body={"note": "dry run"})], check=True)
    assert run.rc == 0, run.output
    entry, = run.result["results"]
    assert entry["failed"] is False and entry["msg"] == "Would trigger (check mode)"
    assert entry["request"]["requestBody"]["note"] == "dry run"
    assert entry["request"]["requestBody"]["event"] == "deployment.finished"
    assert bodies(ansible) == [] and ansible.servers.emulator.requests("trigger-webhook") == []


def test_connection_from_role_variables_and_no_secret_in_output(ansible):
    servers = ansible.servers
    env = servers.env()
    run = run_role(ansible, [target(ansible, "deploy")], verbosity=4,
                   extra_vars={"deploy_webhooks_host": env["GENAUTH_HOST"],
                               "deploy_webhooks_access_key_id": env["GENAUTH_ACCESS_KEY_ID"],
                               "deploy_webhooks_access_key_secret": env["GENAUTH_ACCESS_KEY_SECRET"]},
                   env={"GENAUTH_HOST": None, "GENAUTH_ACCESS_KEY_ID": None, "GENAUTH_ACCESS_KEY_SECRET": None})
    assert run.rc == 0, run.output
    tokens = {call["headers"].get("Authorization", call["headers"].get("authorization", ""))[len("Bearer "):]
              for call in servers.emulator.requests("trigger-webhook")}
    assert all(tokens) and tokens
    for secret in [env["GENAUTH_ACCESS_KEY_SECRET"], servers.webhook_secrets["deploy"]] + sorted(tokens):
        for line in run.output.splitlines():
            assert secret not in line, line
        assert secret not in json.dumps(run.result)


def test_no_targets_does_nothing(ansible):
    run = run_role(ansible, [])
    assert run.rc == 0, run.output
    assert run.result["results"] == [] and ansible.servers.emulator.requests() == []


def test_a_mistyped_target_fails_before_anything_is_sent(ansible):
    secret = ansible.servers.access_key_secret
    run = run_role(ansible, [{"webhookid": ansible.servers.webhooks["deploy"]}], verbosity=4,
                   extra_vars={"deploy_webhooks_access_key_secret": secret})
    assert run.rc == 2
    assert "missing required arguments: webhook_id found in deploy_webhooks_targets" in run.output
    assert ansible.servers.emulator.requests() == [] and secret not in run.output

"""Several webhooks in one task (webhooks, concurrency), through ansible-playbook against the emulator."""

import json
import re
import threading
import time


def hooks(ansible, *names, **extra):
    return [dict(webhook_id=ansible.servers.webhooks.get(name, name), **extra) for name in names]


def test_many_webhooks_one_token_results_in_order(ansible):
    items = [dict(item, request_body={"n": n}, request_headers={"X-N": n})
             for n, item in enumerate(hooks(ansible, "deploy", "form", "deploy", "deploy"))]
    ansible.servers.receiver.configure(body={"ticket": "CHG-9"})
    run = ansible.trigger(extra_vars={"webhooks": items, "concurrency": 4})
    assert run.rc == 0, run.output
    results = run.result["results"]
    assert [entry["webhook_id"] for entry in results] == [item["webhook_id"] for item in items]
    assert all(entry["failed"] is False and entry["response"] == {"ticket": "CHG-9"} for entry in results)
    assert all(entry["webhook"]["secret"] == "********" and entry["request_id"] for entry in results)
    delivered = ansible.servers.receiver.deliveries()
    assert len(delivered) == 4
    bodies = sorted(json.loads(d["body"])["n"] for d in delivered if d["path"] == "/hooks/deploy")
    assert bodies == [0, 2, 3]
    assert len(ansible.servers.emulator.requests("get-management-token")) == 1


def test_slow_subscribers_are_triggered_concurrently(ansible):
    ansible.servers.receiver.configure(body={"ok": True}, delay=0.5)
    items = hooks(ansible, *["deploy"] * 8)
    run = ansible.trigger(extra_vars={"webhooks": items, "concurrency": 8})
    assert run.rc == 0, run.output
    delivered = ansible.servers.receiver.deliveries()
    assert len(delivered) == 8
    # One after the other, the last of eight 0.5 s subscribers would be reached 3.5 s after the first;
    # concurrently they are reached at about the same time (generous for a busy machine).
    starts = sorted(d["timestamp"] for d in delivered)
    assert starts[-1] - starts[0] < 2.5


def test_failed_items_are_named_and_the_others_delivered(ansible):
    items = hooks(ansible, "deploy", "000000000000000000000000", "unreachable", "deploy")
    run = ansible.trigger(extra_vars={"webhooks": items})
    assert run.result["failed"] is True
    assert [entry["failed"] for entry in run.result["results"]] == [False, True, True, False]
    assert run.result["msg"].startswith("2 of 4 webhooks failed: [1] 000000000000000000000000: ")
    assert "[2] %s: " % ansible.servers.webhooks["unreachable"] in run.result["msg"]
    assert len(ansible.servers.receiver.deliveries()) == 2


def test_check_mode_delivers_nothing(ansible):
    run = ansible.trigger(extra_vars={"webhooks": hooks(ansible, "deploy", "form")}, check=True)
    assert run.rc == 0, run.output
    assert [entry["request"]["webhookId"] for entry in run.result["results"]] == [
        ansible.servers.webhooks["deploy"], ansible.servers.webhooks["form"]]
    assert ansible.servers.receiver.deliveries() == []
    assert ansible.servers.emulator.requests("trigger-webhook") == []


def test_invalid_item_is_refused_before_any_call(ansible):
    items = hooks(ansible, "deploy") + [dict(webhook_id="x", request_headers={"X-A": "a\nb"})]
    run = ansible.trigger(extra_vars={"webhooks": items})
    assert run.result["failed"] is True
    assert "webhooks[1]['request_headers']['X-A']: value must not contain CR or LF" in run.result["msg"]
    assert ansible.servers.emulator.requests() == []


def test_faults_hit_single_items_which_are_retried_or_reported_alone(ansible):
    """Throttled calls are retried per item; a 500 after delivery fails its item only, without a retry."""
    emulator = ansible.servers.emulator
    emulator.add_fault("trigger-webhook", "http_status", status=503, retry_after="0", count=2)
    run = ansible.trigger(extra_vars={"webhooks": hooks(ansible, "deploy", "form"), "concurrency": 2})
    assert run.rc == 0 and not run.result.get("failed"), run.output
    assert sorted(d["path"] for d in ansible.servers.receiver.deliveries()) == ["/hooks/deploy", "/hooks/form"]
    assert len(emulator.requests("trigger-webhook")) == 4  # 2 items + 2 retried calls
    assert len([w for w in run.warnings() if re.search(r": retry [12] of 3 in ", w)]) == 2

    ansible.servers.receiver.reset()
    emulator.add_fault("trigger-webhook", "envelope_status", status=500, phase="after", count=1)
    run = ansible.trigger(extra_vars={"webhooks": hooks(ansible, "deploy", "deploy"), "concurrency": 1})
    assert run.result["failed"] is True
    assert [entry["failed"] for entry in run.result["results"]] == [True, False]
    assert len(ansible.servers.receiver.deliveries()) == 2  # the failed item was delivered, and not again
    assert not [w for w in run.warnings() if ": retry " in w]


def test_a_token_expiring_under_items_in_flight_is_replaced_once(ansible):
    """Both lookups meet a 401 at the same time: one new token serves both, and each item is delivered once."""
    emulator = ansible.servers.emulator
    emulator.add_fault("get-webhook", "delay", delay=1.0, count=2)

    def expire_while_both_lookups_wait():
        # The emulator takes a delay fault before it checks the token: once both are taken, both calls wait.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not emulator.requests("get-management-token") or emulator.faults()):
            time.sleep(0.02)
        emulator.expire_tokens()

    helper = threading.Thread(target=expire_while_both_lookups_wait)
    helper.start()
    run = ansible.trigger(extra_vars={"webhooks": hooks(ansible, "deploy", "form"), "concurrency": 2})
    helper.join()
    assert run.rc == 0 and not run.result.get("failed"), run.output
    assert sorted(d["path"] for d in ansible.servers.receiver.deliveries()) == ["/hooks/deploy", "/hooks/form"]
    refreshes = [w for w in run.warnings() if "rejected the management token" in w]
    assert len(refreshes) == 2, run.warnings()
    assert len(emulator.requests("get-management-token")) == 2  # the first token and one replacement

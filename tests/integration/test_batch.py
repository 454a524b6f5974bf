"""Several webhooks in one task (webhooks, concurrency) under faults and in parallel, through ansible-playbook
against the emulator. The contract of the option itself (results in order, failures named, check mode) is the
genauth_webhook_trigger ansible-test target's."""

import re
import threading
import time


def hooks(ansible, *names):
    return [dict(webhook_id=ansible.servers.webhooks.get(name, name)) for name in names]


def test_items_are_triggered_at_the_same_time_never_more_than_concurrency(ansible):
    # The receiver holds each delivery until four are in flight: only four triggers at once get past it.
    ansible.servers.receiver.configure(gather=4)
    run = ansible.trigger(extra_vars={"webhooks": hooks(ansible, *["deploy"] * 8), "concurrency": 4})
    assert run.rc == 0, run.output
    delivered = ansible.servers.receiver.deliveries()
    assert len(delivered) == 8
    assert max(d["in_flight"] for d in delivered) == 4


def test_faults_hit_single_items_which_are_retried_or_reported_alone(ansible):
    """Throttled calls are retried per item; a 500 after delivery fails its item only, without a retry."""
    emulator = ansible.servers.emulator
    emulator.add_fault("trigger-webhook", "http_status", status=503, retry_after="0", count=2)
    run = ansible.trigger(extra_vars={"webhooks": hooks(ansible, "deploy", "form"), "concurrency": 2})
    assert run.rc == 0 and not run.result.get("failed"), run.output
    assert sorted(d["path"] for d in ansible.servers.receiver.deliveries()) == ["/hooks/deploy", "/hooks/form"]
    assert len(emulator.requests("trigger-webhook")) == 4  # 2 items + 2 retried calls
    assert len([w for w in run.warnings() if re.search(r"for webhook \S+: retry [12] of 3 in ", w)]) == 2

    ansible.servers.receiver.reset()
    emulator.add_fault("trigger-webhook", "envelope_status", status=500, phase="after", count=1)
    run = ansible.trigger(extra_vars={"webhooks": hooks(ansible, "deploy", "deploy"), "concurrency": 1})
    assert run.result["failed"] is True
    assert [entry["failed"] for entry in run.result["results"]] == [True, False]
    assert len(ansible.servers.receiver.deliveries()) == 2  # the failed item was delivered, and not again
    assert not [w for w in run.warnings() if ": retry " in w]
    assert [w for w in run.warnings() if w.startswith("Webhook %s failed: " % ansible.servers.webhooks["deploy"])]


def test_a_token_expiring_under_items_in_flight_is_replaced_once(ansible):
    """Both triggers meet a 401 at the same time: one new token serves both, and each item is delivered once."""
    emulator = ansible.servers.emulator
    emulator.add_fault("trigger-webhook", "delay", delay=1.0, count=2)

    def expire_while_both_triggers_wait():
        # The emulator takes a delay fault before it checks the token: once both are taken, both calls wait.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not emulator.requests("get-management-token") or emulator.faults()):
            time.sleep(0.02)
        emulator.expire_tokens()

    helper = threading.Thread(target=expire_while_both_triggers_wait)
    helper.start()
    run = ansible.trigger(extra_vars={"webhooks": hooks(ansible, "deploy", "form"), "concurrency": 2})
    helper.join()
    assert run.rc == 0 and not run.result.get("failed"), run.output
    assert sorted(d["path"] for d in ansible.servers.receiver.deliveries()) == ["/hooks/deploy", "/hooks/form"]
    refreshes = [w for w in run.warnings() if "rejected the management token" in w]
    assert len(refreshes) == 2, run.warnings()
    assert len(emulator.requests("get-management-token")) == 2  # the first token and one replacement

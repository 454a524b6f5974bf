"""Faults of the calls genauth_webhook makes, through ansible-playbook against the emulator over real sockets: a
create that may have been processed is never repeated (so there is never a second webhook), while updates,
deletes and reads, which are safe to repeat, are retried after timeouts, dropped connections, 502 and 504.

The trigger's faults are the fault matrix's (test_fault_matrix.py); this file holds the same question for the
calls that change a webhook. Every run is scanned for secrets by the fixture, at -vvvv.
"""

import re
import time

import pytest

RETRY_WARNING = re.compile(r"^GenAuth (?P<endpoint>[\w-]+)(?: for \S+ \S+)?: retry (?P<n>\d+) of \d+ in [\d.]+ s after: .+$")


def declare(ansible, **options):
    extra = dict(timeout=2, **options)
    return ansible.playbook("webhook.yml", extra_vars=extra, verbosity=4)


def new_webhook(ansible, name="faulty"):
    return dict(name=name, url=ansible.servers.receiver_url + "/hooks/" + name, events=["test", "login"],
                secret=ansible.servers.declared_secrets["first"])


def named(servers, name):
    return [hook for hook in servers.emulator.state()["webhooks"] if hook["name"] == name]


def logged(servers, endpoint, at_least, limit=15.0):
    """The emulator's requests to ``endpoint``, once ``at_least`` are logged (a delayed answer is logged when it
    is sent, after the module gave up on it) or ``limit`` seconds passed."""
    deadline = time.monotonic() + limit
    while len(servers.emulator.requests(endpoint)) < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    return servers.emulator.requests(endpoint)


def retries_of(run, endpoint):
    return [w for w in run.warnings() if RETRY_WARNING.match(w) and RETRY_WARNING.match(w).group("endpoint") == endpoint]


@pytest.mark.parametrize("fault, message", [
    (dict(kind="http_status", status=502, phase="after"), "statusCode 502, HTTP 502"),
    (dict(kind="http_status", status=504, phase="after"), "statusCode 504, HTTP 504"),
    (dict(kind="drop", phase="after"), "so it was not retried"),
    (dict(kind="delay", delay=4, phase="after"), "no answer within 2 s (timeout)"),
], ids=["502", "504", "drop", "timeout"])
def test_a_create_that_may_have_been_processed_is_never_repeated(ansible, fault, message):
    servers = ansible.servers
    servers.emulator.add_fault("create-webhook", **fault)
    run = declare(ansible, **new_webhook(ansible))
    assert run.result["failed"] is True and message in run.result["msg"], run.output[-3000:]
    assert len(logged(servers, "create-webhook", 1)) == 1
    assert not retries_of(run, "create-webhook"), run.warnings()
    # The create was processed: one webhook exists, and the same task again finds it instead of making a second.
    assert len(named(servers, "faulty")) == 1
    again = declare(ansible, **new_webhook(ansible))
    assert again.result["changed"] is False and len(named(servers, "faulty")) == 1, again.output[-3000:]


def test_a_create_refused_with_503_is_retried(ansible):
    servers = ansible.servers
    servers.emulator.add_fault("create-webhook", "http_status", status=503, retry_after="0")
    run = declare(ansible, **new_webhook(ansible))
    assert run.result["changed"] is True and len(retries_of(run, "create-webhook")) == 1, run.output[-3000:]
    assert len(named(servers, "faulty")) == 1


@pytest.mark.parametrize("endpoint, fault, options", [
    ("update-webhook", dict(kind="delay", delay=4, phase="after"), dict(enabled=False)),
    ("update-webhook", dict(kind="http_status", status=504, phase="after"), dict(enabled=False)),
    ("update-webhook", dict(kind="drop", phase="after"), dict(enabled=False)),
    ("delete-webhook", dict(kind="http_status", status=502, phase="after"), dict(state="absent")),
    ("delete-webhook", dict(kind="drop", phase="after"), dict(state="absent")),
    ("list-webhooks", dict(kind="delay", delay=4), dict(enabled=False)),
    ("get-webhook-event-list", dict(kind="http_status", status=502), dict(events=["login"])),
], ids=["update-timeout", "update-504", "update-drop", "delete-502", "delete-drop", "list-timeout", "events-502"])
def test_calls_safe_to_repeat_are_retried_after_they_may_have_been_processed(ansible, endpoint, fault, options):
    servers = ansible.servers
    created = declare(ansible, **new_webhook(ansible))
    assert created.result["changed"] is True
    servers.emulator.add_fault(endpoint, **fault)
    run = declare(ansible, name="faulty", **options)
    assert run.result.get("failed") is not True and run.result["changed"] is True, run.output[-3000:]
    assert len(retries_of(run, endpoint)) == 1, run.warnings()
    hooks = named(servers, "faulty")
    if options.get("state") == "absent":
        assert hooks == []
    else:
        assert len(hooks) == 1 and all(hooks[0][key] == value for key, value in
                                       (("enabled", options.get("enabled", True)), ("events", options.get("events", ["test", "login"]))))


def test_a_500_is_reported_even_for_an_update(ansible):
    servers = ansible.servers
    declare(ansible, **new_webhook(ansible))
    servers.emulator.add_fault("update-webhook", "http_status", status=500)
    run = declare(ansible, name="faulty", enabled=False)
    assert run.result["failed"] is True and run.result["status_code"] == 500
    assert len(servers.emulator.requests("update-webhook")) == 1 and not retries_of(run, "update-webhook")

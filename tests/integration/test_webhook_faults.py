"""Faults of the calls genauth_webhook makes, through ansible-playbook against the emulator over real sockets: a
create that may have been processed is never repeated (so there is never a second webhook), while updates,
deletes and reads, which are safe to repeat, are retried after timeouts, dropped connections, 502 and 504.

The trigger's faults are the fault matrix's (test_fault_matrix.py); this file holds the same question for the
calls that change a webhook. Every run is scanned for secrets by the fixture, at -vvvv.
"""

import re
import time

import pytest

RETRY_WARNING = re.compile(r"^GenAuth (?P<endpoint>[\w-]+)(?: for \S+ \S+)?: retry \d+ of \d+ in [\d.]+ s after: .")
EVENTS = ["test", "login"]


def declare(ansible, **options):
    """webhook.yml with the options given; by default it creates the "faulty" webhook."""
    servers = ansible.servers
    options = options or dict(name="faulty", url=servers.receiver_url + "/hooks/faulty", events=EVENTS,
                              secret=servers.declared_secrets["first"])
    return ansible.playbook("webhook.yml", extra_vars=dict(timeout=2, **options), verbosity=4)


def faulty(servers):
    return [hook for hook in servers.emulator.state()["webhooks"] if hook["name"] == "faulty"]


def logged(servers, endpoint, at_least, limit=15.0):
    """The emulator's requests to ``endpoint``, once ``at_least`` are logged (a delayed answer is logged when it
    is sent, after the module gave up on it) or ``limit`` seconds passed."""
    deadline = time.monotonic() + limit
    while len(servers.emulator.requests(endpoint)) < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    return servers.emulator.requests(endpoint)


def retries_of(run, endpoint):
    matches = (RETRY_WARNING.match(warning) for warning in run.warnings())
    return [match for match in matches if match and match["endpoint"] == endpoint]


@pytest.mark.parametrize("fault, message", [
    (dict(kind="http_status", status=502, phase="after"), "statusCode 502, HTTP 502"),
    (dict(kind="http_status", status=504, phase="after"), "statusCode 504, HTTP 504"),
    (dict(kind="drop", phase="after"), "so it was not retried"),
    (dict(kind="delay", delay=4, phase="after"), "no answer within 2 s (timeout)"),
], ids=["502", "504", "drop", "timeout"])
def test_a_create_that_may_have_been_processed_is_never_repeated(ansible, fault, message):
    servers = ansible.servers
    servers.emulator.add_fault("create-webhook", **fault)
    run = declare(ansible)
    assert run.result["failed"] is True and message in run.result["msg"], run.output[-3000:]
    assert len(logged(servers, "create-webhook", 1)) == 1
    assert not retries_of(run, "create-webhook"), run.warnings()
    # The create was processed: one webhook exists, and the same task again finds it instead of making a second.
    assert len(faulty(servers)) == 1
    again = declare(ansible)
    assert again.result["changed"] is False and len(faulty(servers)) == 1, again.output[-3000:]


def test_a_create_refused_with_503_is_retried(ansible):
    ansible.servers.emulator.add_fault("create-webhook", "http_status", status=503, retry_after="0")
    run = declare(ansible)
    assert run.result["changed"] is True and len(retries_of(run, "create-webhook")) == 1, run.output[-3000:]
    assert len(faulty(ansible.servers)) == 1


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
    assert declare(ansible).result["changed"] is True
    ansible.servers.emulator.add_fault(endpoint, **fault)
    run = declare(ansible, name="faulty", **options)
    assert run.result.get("failed") is not True and run.result["changed"] is True, run.output[-3000:]
    assert len(retries_of(run, endpoint)) == 1, run.warnings()
    hooks = faulty(ansible.servers)
    if options.get("state") == "absent":
        assert hooks == []
    else:
        assert len(hooks) == 1
        expected = (options.get("enabled", True), options.get("events", EVENTS))
        assert (hooks[0]["enabled"], hooks[0]["events"]) == expected


def test_a_500_is_reported_even_for_an_update(ansible):
    declare(ansible)
    ansible.servers.emulator.add_fault("update-webhook", "http_status", status=500)
    run = declare(ansible, name="faulty", enabled=False)
    assert run.result["failed"] is True and run.result["status_code"] == 500
    assert len(ansible.servers.emulator.requests("update-webhook")) == 1 and not retries_of(run, "update-webhook")

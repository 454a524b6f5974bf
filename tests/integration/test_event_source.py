"""The genauth_events event source under a real ansible-rulebook (.build/rulebook, `make rulebook`), fed by the
emulator: genauth_webhook declares webhooks whose URL is the source, genauth_webhook_trigger and GenAuth's own
events (the emulator's events route) deliver to it, and a rule fires on each event it queues.

One ansible-rulebook process, started with the collection installed as users get it and at -vv, receives every
delivery of this module: the playbook's (the secret, a wrong one, none, JSON and form, an event outside
``events``), the emulator's events, malformed bodies sent straight to it, and a burst of 100 concurrent triggers.
Then a last event stops it, and the tests below read what it printed. What the source decides on its own (every
status and its reason, the arguments' forms, TLS, back-pressure at the queue) is its unit test's.
"""

import json
import os
import re
import subprocess
import sys
import threading

import pytest
import requests

from tests.conftest import reset_servers
from tests.emulator.harness import SecretScan, closed_port as free_port
from tests.emulator.rulebook import Rulebook, missing
from tests.integration.conftest import HERE, REPO_ROOT, Ansible

BURST = 100
FIRED = re.compile(r"^genauth_events fired: (\{.*\})$", re.M)
REFUSED = re.compile(r"genauth_events: refused a delivery to /(\S*) from \S+ \(HTTP (\d+)\): (.*)$", re.M)


def trigger(servers, token, webhook_id, body):
    """One trigger-webhook call, as a script would make it; returns the subscriber's answer."""
    answer = servers.emulator.call("POST", "trigger-webhook", token, json={"webhookId": webhook_id,
                                                                           "requestBody": body}).json()
    assert answer["statusCode"] == 200, answer
    return answer["data"]["response"]


def burst(servers, token, webhook_id):
    """BURST triggers at once, each from its own thread; returns their answers."""
    start, answers = threading.Barrier(BURST), [None] * BURST

    def one(number):
        start.wait()
        answers[number] = trigger(servers, token, webhook_id,
                                  {"eventName": "user:created", "data": {"marker": "burst-%d" % number}})

    threads = [threading.Thread(target=one, args=(number,)) for number in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers


def post_straight(url, secret, **kwargs):
    """A request straight to the source, as no GenAuth would send it."""
    headers = dict(kwargs.pop("headers", {}), **{"x-authing-webhook-secret": secret})
    return requests.request(kwargs.pop("method", "POST"), url, headers=headers, timeout=30, **kwargs)


class Run(object):
    """What the module's one ansible-rulebook run showed."""

    def __init__(self, servers, rulebook, playbook, straight, emitted, burst_answers, code):
        self.servers, self.rulebook, self.playbook, self.code = servers, rulebook, playbook, code
        self.straight, self.emitted, self.burst_answers = straight, emitted, burst_answers
        self.output = rulebook.output
        self.fired = [json.loads(match.group(1)) for match in FIRED.finditer(self.output)]
        self.refused = [match.groups() for match in REFUSED.finditer(self.output)]

    def markers(self):
        return [event["payload"]["data"]["marker"] for event in self.fired]

    def fired_on(self, marker):
        found = [event for event in self.fired if event["payload"]["data"]["marker"] == marker]
        assert len(found) == 1, "%s fired %d times" % (marker, len(found))
        return found[0]


@pytest.fixture(scope="module")
def run(servers, collections_path, module_coverage, tmp_path_factory):
    reason = missing()
    if reason:
        pytest.fail(reason)
    reset_servers(servers)
    tmp_path = tmp_path_factory.mktemp("event-source")
    port, secret = free_port(), servers.declared_secrets["first"]
    url = "http://127.0.0.1:%d/genauth" % port
    env = {"GENAUTH_EVENTS_PORT": str(port), "GENAUTH_EVENTS_SECRET": secret,
           "GENAUTH_EVENTS_EVENTS": "user:created,test"}
    with Rulebook(os.path.join(HERE, "rulebooks", "genauth_events.yml"), collections_path, tmp_path / "rulebook",
                  env) as rulebook:
        rulebook.wait_for(r"genauth_events: listening on http://127\.0\.0\.1:%d " % port)
        ansible = Ansible(collections_path, servers, tmp_path, module_coverage)
        playbook = ansible.playbook("events.yml", extra_vars={
            "events_url": url, "events_secret": secret, "wrong_secret": servers.declared_secrets["second"]})
        assert playbook.rc == 0, playbook.output[-6000:]
        ids = playbook.result["ids"]
        token = servers.emulator.management_token(servers.access_key_id, servers.access_key_secret)
        # GenAuth's own delivery of an event that happened, to every webhook above that subscribes to it.
        emitted = servers.emulator.emit_event(servers.userpool_id, "user:created", {"marker": "event"})
        straight = {
            "malformed": post_straight(url, secret, data=b'{"eventName": "user:created", ',
                                       headers={"Content-Type": "application/json"}),
            "array": post_straight(url, secret, json=[{"eventName": "user:created"}]),
            "broken form": post_straight(url, secret, data=b"eventName=user%3Acreated&data",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"}),
            "too large": post_straight(url, secret, json={"eventName": "user:created", "pad": "x" * (1 << 20)}),
            "GET": post_straight(url, secret, method="GET"),
        }
        burst_answers = burst(servers, token, ids["eda-json"])
        trigger(servers, token, ids["eda-json"], {"eventName": "test", "data": {"stop": True}})
        code = rulebook.wait(timeout=60)
    return Run(servers, rulebook, playbook, straight, emitted, burst_answers, code)


def test_the_rulebook_ran_at_debug_verbosity_and_ended_by_its_shutdown_rule(run):
    assert "DEBUG" in run.output and "the test is done" in run.output
    assert run.code == 0, run.output[-6000:]
    assert "Traceback" not in run.output, run.output[-6000:]


def test_a_triggered_webhook_fires_the_rule_with_the_delivery_s_body_headers_and_user_pool(run):
    event = run.fired_on("json")
    data = {"id": "u1", "username": "ada", "tags": ["a", "b"], "marker": "json"}
    assert event["payload"] == {"eventName": "user:created", "data": data}
    meta = event["meta"]
    assert meta["endpoint"] == "genauth/json" and meta["userpool_id"] == run.servers.userpool_id
    assert meta["headers"]["x-request-marker"] == "json" and meta["headers"]["user-agent"] == "authing-webhook@2.0"
    assert meta["source"]["name"] == "genauth.management.genauth_events"
    assert run.playbook.result["answers"][0] == {"queued": True}


def test_a_form_delivery_reaches_the_rule_decoded(run):
    event = run.fired_on("form")
    assert event["payload"]["data"] == {"id": "u1", "username": "ada", "tags": ["a", "b"], "marker": "form"}
    assert event["meta"]["headers"]["content-type"] == "application/x-www-form-urlencoded"


def test_genauth_s_own_delivery_of_an_event_fires_the_rule_for_each_webhook_with_the_secret(run):
    ids = run.playbook.result["ids"]
    answers = dict((delivery["webhookId"], delivery["response"]) for delivery in run.emitted)
    assert answers[ids["eda-json"]] == answers[ids["eda-form"]] == {"queued": True}
    fired = [event["meta"]["endpoint"] for event in run.fired if event["payload"]["data"]["marker"] == "event"]
    assert sorted(fired) == ["genauth/form", "genauth/json"]


def test_a_wrong_or_missing_secret_is_refused_and_fires_nothing(run):
    ids, answers = run.playbook.result["ids"], run.playbook.result["answers"]
    assert answers[3] == {"error": "wrong secret"}
    assert answers[4] == {"error": "no secret: GenAuth sends it in x-authing-webhook-secret"}
    emitted = dict((delivery["webhookId"], delivery["response"]) for delivery in run.emitted)
    assert emitted[ids["eda-wrong-secret"]] == {"error": "wrong secret"}
    assert not set(run.markers()) & {"wrong", "none"}
    refusals = [(endpoint, status) for endpoint, status, _reason in run.refused if status == "401"]
    assert sorted(refusals) == [("genauth/none", "401")] * 2 + [("genauth/wrong", "401")] * 2


def test_an_event_outside_events_is_acknowledged_and_fires_nothing(run):
    assert run.playbook.result["answers"][2] == {"queued": False, "reason": "event not in events"}
    assert "login" not in run.markers()


def test_bodies_no_genauth_sends_are_refused_and_the_source_keeps_serving(run):
    statuses = dict((what, answer.status_code) for what, answer in run.straight.items())
    assert statuses == {"malformed": 400, "array": 400, "broken form": 400, "too large": 413, "GET": 405}
    assert sorted(status for _endpoint, status, _reason in run.refused if status != "401") == \
        ["400", "400", "400", "405", "413"]
    assert len(run.fired_on("burst-0")["payload"]) == 2  # served after all of them


def test_a_burst_of_concurrent_deliveries_fires_the_rule_once_for_each(run):
    assert run.burst_answers == [{"queued": True}] * BURST
    burst_markers = [marker for marker in run.markers() if marker.startswith("burst-")]
    assert sorted(burst_markers) == sorted("burst-%d" % number for number in range(BURST))


def test_every_delivery_fired_the_rule_exactly_once(run):
    expected = ["json", "form", "event", "event"] + ["burst-%d" % number for number in range(BURST)]
    assert sorted(run.markers()) == sorted(expected)


def test_no_secret_reaches_the_rules_or_the_rulebook_s_output_at_debug_verbosity(run):
    hidden = ("x-authing-webhook-secret", "x-authing-token", "x-genauth-token", "authorization")
    for event in run.fired:
        assert not set(event["meta"]["headers"]) & set(hidden), event["meta"]["headers"]
    # The webhooks' secrets (the source's and the wrong one), the access key secrets and every token the emulator
    # issued; and the scan itself finds a secret where one is.
    scan = SecretScan(run.servers)
    assert scan.leaks({"ansible-rulebook's output": run.output}) == []
    assert scan.leaks({"planted": "x" + run.servers.declared_secrets["first"]}) == [
        "declared_secret[first] in the planted"]


def test_make_demo_events_runs_the_shipped_rulebook_and_both_of_its_rules_fire(tmp_path):
    """`make demo-events` as a user runs it (in a folder of the test): the collection's example rulebook, which the
    events guide prints, under ansible-rulebook, fed by docs/examples/events.yml and by an event of the emulator."""
    proc = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "tests", "emulator", "demo_events.py"),
                           "--workdir", str(tmp_path)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:]
    fired = re.findall(r"^demo-events: a rule fired: (.*)$", proc.stdout, re.M)
    assert fired == ["GenAuth user ada was created in user pool %s: provision their accounts here"
                     % re.search(r"user pool (\w+)", fired[0]).group(1),
                     "The secret of GenAuth application billing was refreshed: update the systems that use it here"]
    assert "The event source answered {'queued': True}" in proc.stdout

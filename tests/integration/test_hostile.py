"""The modules, the role and the callback in real ansible-playbook runs against a hostile GenAuth API
(``tests/hostile/server.py``): one scenario, or one parametrised case, per defect of issue 23, and what must keep
holding while they are fixed. Each group of cases is one run of ``hostile_calls.yml`` (each module once per item),
each case on a tenant of its own and told apart by label. Every run is at -vvvv (the terminal cases also at -v) and
scanned for every secret: whole, URL-encoded, and every 12-character piece (``find_leaks``). Timings are never
asserted: what the server observed bounds what the client did (bytes sent before the client hung up, calls made).
"""

import json
import re
import subprocess
import sys
import types
import uuid
from urllib.parse import quote

import pytest

from ansible_collections.genauth.management.plugins.module_utils._resource import MAX_PAGES
from tests.hostile.server import ABSENT, HostileServer, find_leaks, jwt, make_secret
from tests.integration.conftest import Ansible, Run

PLAYBOOK = "hostile_calls.yml"
PLUGIN = "genauth.management.genauth_webhook"
# ``python -c PEAK_RSS OUT CMD...`` runs CMD, then writes to OUT the peak RSS (KiB) of its whole process tree:
# RUSAGE_CHILDREN covers every descendant that was waited for (ansible-playbook's workers, the modules they run).
PEAK_RSS = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
            "open(sys.argv[1], 'w').write('%d' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
            "sys.exit(code)")
# What a failure that is not a clear message says (_module.unexpected_error).
BUG_MARKERS = ("This is a bug", "Unexpected")

# A trickle: one byte every DELAY seconds. The server gives up on a client still reading after PATIENCE bytes, so a
# client that waits for the whole answer costs PATIENCE * DELAY seconds, not the whole trickle. A client that honours
# timeout: 1 hangs up after two or three bytes; GAVE_UP_BEFORE leaves room for a loaded machine.
DELAY = 0.5
PATIENCE = 20
GAVE_UP_BEFORE = 14
TIMEOUT = 1

STREAM_BYTES = 200 << 20
GZIP_EXPANDED_BYTES = 300 << 20
PEAK_RSS_LIMIT_MB = 250

TWO_WEBHOOKS = [{"webhook_id": "wh-a"}, {"webhook_id": "wh-b"}]
ANSI_MESSAGE = "\x1b]0;pwned\x07\x1b[2Kaccess denied\r\nok: [localhost] => FORGED-BY-SERVER\r\n"
FORGED = "FORGED-BY-SERVER"


# ---------------------------------------------------------------------------------------------------- the runner

class HostileRun(Run):
    """A ``Run`` with the ``raw`` bytes of the output (for the terminal cases), ``peak_rss_kb`` when measured, the
    ``secrets`` the server knew after it, its ``leaks``, and the ``tenants`` of its cases by label."""

    def result_of(self, task, label):
        """The registered result of item ``label`` of one task of hostile_calls.yml (trigger, info or webhook)."""
        assert self.result is not None, "the playbook saved no result:\n%s" % self.output[-5000:]
        (result,) = [result for result in self.result[task] if result["item"]["label"] == label]
        return result

    def item_output(self, label):
        """The output of loop item ``label``: from the end of the previous item's result to the end of its own (at
        -vvvv each result is JSON that ends with a "}" line)."""
        parts = re.split(r"(?m)^}$", self.output)
        return next((part for part in parts if "(item=%s) => " % label in part), self.output)

    def item_leaks(self, label, result):
        """Secrets shown by one item: in its part of the output, or in its registered result."""
        return find_leaks(self.secrets, {"output of %r" % label: self.item_output(label),
                                         "result of %r" % label: json.dumps(result)})


class HostileAnsible(Ansible):
    """``conftest.Ansible`` (the installed collection, ANSIBLE_* settings) pointed at the hostile server."""

    def playbook(self, name, extra_vars, verbosity=4, env=None, measure_rss=False):
        cmd, result_file = self.command(name, extra_vars, verbosity=verbosity)
        rss_file = self.tmp_path / ("rss-%s.txt" % uuid.uuid4().hex)
        if measure_rss:
            cmd = [sys.executable, "-c", PEAK_RSS, str(rss_file)] + cmd
        proc = subprocess.run(cmd, env=self.env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300,
                              cwd=str(self.tmp_path), check=False)
        run = HostileRun(types.SimpleNamespace(returncode=proc.returncode,
                                               stdout=proc.stdout.decode("utf-8", "replace")), result_file)
        run.raw, run.peak_rss_kb = proc.stdout, int(rss_file.read_text()) if measure_rss else None
        # A trickle notices that its client has gone within its delay: let every answer finish before reading.
        self.servers.wait_idle()
        run.secrets = self.servers.secrets()
        run.leaks = find_leaks(run.secrets, {"output": run.output, "registered result": run.result_text})
        return run


class Cases(object):
    """The items of one run of hostile_calls.yml, each case on a tenant of its own."""

    def __init__(self, hostile, prefix):
        self.hostile, self.prefix = hostile, prefix
        self.calls, self.tenants = {"trigger": [], "info": [], "webhook": []}, {}

    def add(self, task, label, existing=("wh",), **options):
        """A call of ``task`` (trigger, info or webhook) with ``options``; returns its tenant, holding ``existing``."""
        tenant = self.hostile.tenant("%s-%d" % (self.prefix, len(self.tenants)))
        for webhook_id in existing:
            tenant.add_webhook(webhook_id)
        self.tenants[label] = tenant
        self.calls[task].append(dict(options, label=label, access_key_id=tenant.key_id))
        return tenant

    def run(self, runner, **options):
        run = runner.playbook(PLAYBOOK, dict((task + "_calls", calls) for task, calls in self.calls.items()), **options)
        run.tenants = self.tenants
        return run


@pytest.fixture(scope="module")
def hostile():
    with HostileServer() as server:
        yield server


@pytest.fixture(scope="module")
def runner(collections_path, hostile, tmp_path_factory, module_coverage):
    return HostileAnsible(collections_path, hostile, tmp_path_factory.mktemp("hostile"), module_coverage)


# ---------------------------------------------------------------------------------------------------- helpers

def bugs(text):
    return [marker for marker in BUG_MARKERS if marker in text]


def assert_clear_failure(result, endpoint):
    """A failed task whose message names ``endpoint`` and is not an "unexpected error, this is a bug" one."""
    msg = str(result.get("msg"))
    assert result.get("failed") is True, "the task did not fail: %s" % json.dumps(result)[:3000]
    assert endpoint in msg, "the message does not name %s: %s" % (endpoint, msg[:2000])
    assert not bugs(msg), "a bug instead of a clear message: %s" % msg[:2000]


def assert_no_bug(result):
    assert not bugs(json.dumps(result)), "a bug instead of a clear outcome: %s" % str(result.get("msg"))[:2000]


def assert_ok(result):
    assert result.get("failed") is not True, result.get("msg")


def distinct_ids(result):
    """The webhookIds of an info result, asserted to be all different."""
    ids = [webhook.get("webhookId") for webhook in result.get("webhooks") or []]
    assert len(ids) == len(set(ids)), "%d entries, %d distinct ids" % (len(ids), len(set(ids)))
    return ids


def assert_hung_up_early(record, what, outcome):
    """The server saw the client hang up on a trickle long before its end (``outcome``: what the client said)."""
    print("%s: %d of %d bytes sent before the client hung up" % (what, record["sent"], record["size"]))
    assert record["client_closed"] and record["sent"] < GAVE_UP_BEFORE, (
        "with timeout: %s the client was still reading after %d bytes (one each %g s; the server gave up after %d): "
        "%s" % (TIMEOUT, record["sent"], DELAY, PATIENCE, outcome))


# ---------------------------------------------------------------------------------------------------- defect 2

TRICKLES = [("get-webhook", "trickle_headers"), ("get-webhook", "trickle_body"),
            ("trigger-webhook", "trickle_headers"), ("trigger-webhook", "trickle_body")]


@pytest.fixture(scope="module")
def trickle_run(runner, hostile):
    cases = Cases(hostile, "trickle")
    for endpoint, kind in TRICKLES:
        cases.add("trigger", "%s %s" % (endpoint, kind), webhook_id="wh", timeout=TIMEOUT).scenario(
            kind, endpoint, delay=DELAY, patience=PATIENCE)
    return cases.run(runner)


@pytest.mark.parametrize("endpoint,kind", TRICKLES, ids=["%s-%s" % case for case in TRICKLES])
def test_timeout_bounds_the_whole_request_not_the_wait_between_two_bytes(trickle_run, record_property, endpoint, kind):
    """Defect 2: ``timeout`` bounds each request from connecting to the last byte of the answer. A client facing a
    byte every 0.5 s (the status line and headers too, or only the body) hangs up after about a second, long before
    the answer ends, and the task fails naming the endpoint and the timeout."""
    label = "%s %s" % (endpoint, kind)
    result = trickle_run.result_of("trigger", label)
    (record,) = trickle_run.tenants[label].trickles
    record_property("bytes_sent_before_the_client_hung_up", record["sent"])
    assert record["endpoint"] == endpoint
    assert_hung_up_early(record, label, result.get("msg"))
    assert_clear_failure(result, endpoint)
    assert "timeout" in result["msg"].lower() and re.search(r"\b%d(\.0+)? ?(s\b|sec)" % TIMEOUT, result["msg"]), \
        result["msg"]


def test_the_callback_gives_up_on_a_trickling_lookup_and_keeps_the_exit_code(runner, hostile):
    """Defect 2, through the callback (GENAUTH_CALLBACK_TIMEOUT=1, no retries): a lookup that trickles is abandoned
    early, the run keeps the playbook's exit code (0), and the plugin says so in one warning."""
    tenant = hostile.tenant("callback-trickle")
    tenant.add_webhook("wh")
    tenant.scenario("trickle_body", "get-webhook", delay=DELAY, patience=PATIENCE)
    run = runner.playbook("callback_run.yml", {}, env={
        "ANSIBLE_CALLBACKS_ENABLED": PLUGIN, "GENAUTH_CALLBACK_WEBHOOK_ID": "wh",
        "GENAUTH_ACCESS_KEY_ID": tenant.key_id, "GENAUTH_CALLBACK_TIMEOUT": str(TIMEOUT),
        "GENAUTH_CALLBACK_RETRIES": "0"})
    assert run.rc == 0, run.output[-5000:]
    warnings = [warning for warning in run.warnings() if PLUGIN in warning]
    assert len(warnings) == 1 and "get-webhook" in warnings[0], warnings
    (record,) = tenant.trickles
    assert_hung_up_early(record, "callback, get-webhook trickle_body", warnings)
    assert tenant.counts["trigger-webhook"] == 0
    assert not run.leaks, run.leaks


# ---------------------------------------------------------------------------------------------------- defect 3

CAP_CASES = {"200-MB-answer": ("stream", dict(size=STREAM_BYTES)),
             "200-MB-answer-chunked": ("stream", dict(size=STREAM_BYTES, chunked=True)),
             "gzip-expanding-to-300-MB": ("gzip", dict(size=GZIP_EXPANDED_BYTES))}


@pytest.mark.parametrize("case", sorted(CAP_CASES))
def test_an_answer_beyond_the_cap_fails_without_being_read_whole(runner, hostile, record_property, case):
    """Defect 3: an answer is read only up to MAX_ANSWER_BYTES (after decompression). A 200 MB answer streamed by the
    server (with its Content-Length, or chunked with no length announced), and a ~300 KB gzip answer that expands to
    300 MB, fail the task naming the endpoint (how the message states the limit is test_transport's); the server did
    not get to send the whole 200 MB; the peak RSS of the whole run (ansible-playbook and the module) stays under
    250 MB."""
    kind, options = CAP_CASES[case]
    cases = Cases(hostile, "cap-" + case)
    tenant = cases.add("trigger", case, webhook_id="wh")
    tenant.scenario(kind, "get-webhook", **options)
    run = cases.run(runner, measure_rss=True)
    peak_mb = run.peak_rss_kb / 1024.0
    record_property("peak_rss_mb", round(peak_mb, 1))
    print("peak RSS of the run (%s): %.1f MB" % (case, peak_mb))
    result = run.result_of("trigger", case)
    assert_clear_failure(result, "get-webhook")
    if kind == "stream":
        (record,) = tenant.streams
        print("%s: %d of %d bytes sent before the client stopped" % (case, record["sent"], record["total"]))
        assert record["client_stopped"] and record["sent"] < record["total"], record
    assert peak_mb < PEAK_RSS_LIMIT_MB, "the run peaked at %.1f MB" % peak_mb
    assert tenant.counts["trigger-webhook"] == 0
    assert not run.leaks, run.leaks


# ---------------------------------------------------------------------------------------------------- defects 4 and 8

ENDLESS = {"totalCount absent": ABSENT, "totalCount a string": "many", "totalCount 10**9": 10 ** 9}
# Full pages beyond MAX_PAGES, then empty ones.
PAGING = dict((label, dict(mode="endless", total=total, pages=MAX_PAGES + 10)) for label, total in ENDLESS.items())
PAGING.update({"totalCount 120": dict(mode="endless", total=120, pages=MAX_PAGES + 10),
               "the same page again": dict(mode="repeat", total=1000), "a webhook moves": dict(mode="moving")})
# The name genauth_webhook declares: one of the listed webhooks (hook-<n>, wh<nnnn>), or one that no page lists.
DECLARED = {"totalCount 120": "hook-7", "the same page again": "hook-7", "a webhook moves": "hook-49"}
# Each case is read twice: by genauth_webhook_info with no filter, and by genauth_webhook declaring a name.
READERS = [("info", "info: "), ("webhook", "declare: ")]


@pytest.fixture(scope="module")
def paging_run(runner, hostile):
    cases = Cases(hostile, "paging")
    for label, options in sorted(PAGING.items()):
        name = DECLARED.get(label, "not-listed")
        cases.add("info", "info: " + label, existing=()).scenario("pages", "list-webhooks", **options)
        cases.add("webhook", "declare: " + label, existing=(), state="present", name=name, events=["test"],
                  url="https://hooks.example.test/" + name).scenario("pages", "list-webhooks", **options)
    return cases.run(runner)


@pytest.mark.parametrize("task,prefix", READERS, ids=["info", "declared-by-name"])
@pytest.mark.parametrize("label", sorted(ENDLESS))
def test_reading_stops_at_pages_that_never_end(paging_run, task, prefix, label):
    """Defect 4: full pages of different webhooks without end, and a totalCount that is absent, a string or 10**9.
    genauth_webhook_info, and genauth_webhook looking a name up, read at most MAX_PAGES pages and fail naming
    list-webhooks; nothing is created (the name might be on a page that was not read)."""
    tenant = paging_run.tenants[prefix + label]
    calls = tenant.counts["list-webhooks"]
    assert calls <= MAX_PAGES, "%d list-webhooks calls (at most %d)" % (calls, MAX_PAGES)
    assert tenant.counts["create-webhook"] == 0, "a webhook was created after reading %d pages" % calls
    assert_clear_failure(paging_run.result_of(task, prefix + label), "list-webhooks")


def test_a_valid_total_count_is_read_exactly(paging_run):
    """Defect 4, what keeps holding: with totalCount 120 and full pages beyond it, both modules read the 3 pages
    that 120 needs and succeed (genauth_webhook finds hook-7 as it is: no change)."""
    info, declared = (paging_run.result_of(task, prefix + "totalCount 120") for task, prefix in READERS)
    assert_ok(info)
    assert 120 <= len(distinct_ids(info)) <= 150
    assert_ok(declared)
    assert declared["changed"] is False and declared["webhook_id"] == "wh0007"
    for task, prefix in READERS:
        assert paging_run.tenants[prefix + "totalCount 120"].counts["list-webhooks"] == 3


def test_a_server_that_repeats_the_same_page_stops_the_reading(paging_run):
    """Defect 4, what keeps holding: a server that ignores ``page`` (the same full page each time) stops the reading
    at the repeat, in both modules: a failure names list-webhooks, a success lists 50 webhooks or finds hook-7."""
    for task, prefix in READERS:
        result = paging_run.result_of(task, prefix + "the same page again")
        tenant = paging_run.tenants[prefix + "the same page again"]
        assert tenant.counts["list-webhooks"] <= 2, tenant.counts["list-webhooks"]
        assert_no_bug(result)
        if result.get("failed"):
            assert "list-webhooks" in result["msg"], result["msg"]
        elif task == "info":
            assert len(distinct_ids(result)) == 50
        else:
            assert result["webhook_id"] == "wh0007" and result["changed"] is False, result
        assert tenant.counts["create-webhook"] == 0


def test_a_webhook_that_moves_between_pages_is_counted_once(paging_run):
    """Defect 8: page 1 ends with hook-49 (wh0049), and page 2 starts with it again (a webhook before it was deleted
    between the two calls). genauth_webhook_info returns 50 webhooks, all different; genauth_webhook finds one
    webhook named hook-49, not two."""
    info, declared = (paging_run.result_of(task, prefix + "a webhook moves") for task, prefix in READERS)
    assert_ok(info)
    assert len(distinct_ids(info)) == 50
    assert_ok(declared)
    assert declared["webhook_id"] == "wh0049" and declared["changed"] is False, declared
    tenant = paging_run.tenants["declare: a webhook moves"]
    assert tenant.counts["create-webhook"] == tenant.counts["update-webhook"] == 0


# ---------------------------------------------------------------------------------------------------- defects 6 and 7

# label: the scenario of list-webhooks (kind, options)
LIST_SHAPES = {
    "list is a string": ("data", {"data": {"totalCount": 1, "list": "wh-a"}}),
    "list is a number": ("data", {"data": {"totalCount": 1, "list": 7}}),
    "list is an object": ("data", {"data": {"totalCount": 1, "list": {"webhookId": "wh-a", "name": "a"}}}),
    "list is [null]": ("data", {"data": {"totalCount": 1, "list": [None]}}),
    "a listed webhookId is a list": ("data", {"data": {"totalCount": 1, "list": [
        {"webhookId": ["wh-a"], "name": "a", "url": "https://hooks.example.test/a", "events": ["test"]}]}}),
    "JSON nested 3000 levels": ("deep", {"depth": 3000}),
}
# The cases whose task must fail clearly: label -> (task, the endpoint its message names, calls that must not follow).
CLEAR_FAILURES = dict(("info: " + label, ("info", "list-webhooks", ())) for label in LIST_SHAPES)
CLEAR_FAILURES.update({
    "events are objects, by name": ("webhook", "list-webhooks", ("create-webhook", "update-webhook")),
    "events are objects, by id": ("webhook", "get-webhook", ("create-webhook", "update-webhook")),
    "get-webhook nested 3000 levels": ("trigger", "get-webhook", ("trigger-webhook",))})


@pytest.fixture(scope="module")
def shapes_run(runner, hostile):
    cases = Cases(hostile, "shape")
    for label, (kind, options) in sorted(LIST_SHAPES.items()):
        for tenant in (cases.add("info", "info: " + label, existing=("wh-a", "wh-b")),
                       cases.add("trigger", "webhooks: " + label, existing=("wh-a", "wh-b"), webhooks=TWO_WEBHOOKS)):
            tenant.scenario(kind, "list-webhooks", **options)
    for how, found_by in (("by name", {"name": "events-hook"}), ("by id", {"webhook_id": "wh"})):
        tenant = cases.add("webhook", "events are objects, " + how, existing=(), state="present",
                           url="https://hooks.example.test/events", events=["test"], **found_by)
        tenant.add_webhook("wh", name="events-hook", url="https://hooks.example.test/events",
                           events=[{"value": "test", "name": "Test"}])
    cases.add("trigger", "get-webhook nested 3000 levels", webhook_id="wh").scenario("deep", "get-webhook", depth=3000)
    for depth in (500, 3000):
        cases.add("trigger", "data.response nested %d levels" % depth, webhook_id="wh").scenario(
            "deep", "trigger-webhook", depth=depth, shape="dict")
    return cases.run(runner)


@pytest.mark.parametrize("label", sorted(CLEAR_FAILURES))
def test_an_odd_answer_is_reported_clearly(shapes_run, label):
    """Defects 6 and 7: list-webhooks whose ``list`` is a string, a number, an object or [null], whose webhook has a
    list for its webhookId, or that is nested 3,000 levels deep (genauth_webhook_info); a webhook whose ``events`` is
    a list of objects, found by name or by id (genauth_webhook); get-webhook nested 3,000 levels deep (a trigger).
    The task fails with a message naming the endpoint, not an unexpected error such as a RecursionError, and writes
    or triggers nothing."""
    task, endpoint, never = CLEAR_FAILURES[label]
    assert_clear_failure(shapes_run.result_of(task, label), endpoint)
    for call in never:
        assert shapes_run.tenants[label].counts[call] == 0, call


@pytest.mark.parametrize("label", sorted(LIST_SHAPES))
def test_several_webhooks_are_still_triggered_when_the_listing_is_odd(shapes_run, label):
    """Defects 6 and 7: under a ``webhooks`` task the lookup falls back to get-webhook for each item, every item is
    triggered once, and the task succeeds."""
    result, tenant = shapes_run.result_of("trigger", "webhooks: " + label), shapes_run.tenants["webhooks: " + label]
    assert_no_bug(result)
    assert_ok(result)
    assert [entry.get("failed") for entry in result["results"]] == [False, False], result["results"]
    assert tenant.counts["trigger-webhook"] == 2 and len(tenant.deliveries) == 2
    assert tenant.counts["get-webhook"] == 2


@pytest.mark.parametrize("depth", [500, 3000])
def test_a_deep_response_keeps_the_delivery(shapes_run, depth):
    """Defect 6: trigger-webhook delivers, then answers a data.response nested 500 or 3,000 levels deep. The result
    says changed (delivered once), never a "bug" that loses it. 500 levels may succeed with the deep part left out;
    a failure (always, at 3,000 levels) says the webhook may have been delivered."""
    label = "data.response nested %d levels" % depth
    result = shapes_run.result_of("trigger", label)
    assert_no_bug(result)
    assert result.get("changed") is True, result
    assert shapes_run.tenants[label].counts["trigger-webhook"] == 1
    if depth == 3000 or result.get("failed"):
        assert re.search(r"(may|might|could) (already )?have been (delivered|processed|triggered)", result["msg"],
                         re.I), result["msg"]


# ------------------------------------------------------------------------------------------------ defects 1, 5, 9, 10

def echoing_response(secret):
    """A careless subscriber's answer: the webhook secret as a value, as a JSON key, and both, nested."""
    return {"ticket": "CHG-1", "seen_secret": secret, secret: "the secret as a key",
            "headers": {"x-authing-webhook-secret": secret}, "nested": [{secret: secret}]}


def delivery_logs(hostile):
    """Logs whose headers carry the webhook secret in every shape, or the subscriber's own bearer token; the last was
    delivered before the secret was rotated: the older secret in its header, and echoed in its body."""
    secret, older = hostile.webhook_secret, hostile.extra_secrets["old_webhook_secret"]
    bearer, agent = "Bearer " + hostile.extra_secrets["subscriber_token"], "authing-webhook@2.0"
    shapes = [
        dict(requestHeaders={"x-authing-webhook-secret": secret, "user-agent": agent}),
        dict(requestHeaders=json.dumps({"x-authing-webhook-secret": secret, "x-authing-token": secret})),
        dict(requestHeaders=[["X-Authing-Webhook-Secret", secret], ["user-agent", agent]]),
        dict(requestHeaders=[{"name": "x-genauth-webhook-secret", "value": secret},
                             {"name": "user-agent", "value": agent}]),
        dict(responseHeaders=[["Authorization", bearer], ["x-genauth-token", secret]]),
        dict(requestHeaders={"Authorization": bearer}, responseHeaders={"authorization": bearer}),
        dict(requestHeaders={"x-authing-webhook-secret": older},
             requestBody={"event": "test", "note": "signed with %s" % older}),
    ]
    return [dict({"webhookId": "wh", "eventName": "test", "requestBody": {"n": number}, "responseStatusCode": 200,
                  "requestHeaders": {"user-agent": agent}, "responseHeaders": {"content-type": "application/json"},
                  "responseBody": '{"ok": true}', "timestamp": "2026-01-01T00:00:%02d.000Z" % number,
                  "success": True, "errorMessage": None}, **shape) for number, shape in enumerate(shapes, 1)]


# label: the scenario (kind, endpoint, options) of a secret across the cut of a quoted error page (HTTP 500), or
# URL-encoded in a redirect (HTTP 302).
ERROR_PAGES = {
    "an HTML page cuts the key secret": ("html", "get-management-token", dict(secret="key_secret", at=180)),
    "an HTML page cuts the token": ("html", "get-webhook", dict(secret="token", at=150)),
    "an HTML page cuts the key secret on get-webhook": ("html", "get-webhook", dict(secret="key_secret", at=175)),
    "a redirect carries the key secret": ("redirect", "get-management-token",
                                          dict(location="{url}/elsewhere/login?secret={key_secret_quoted}")),
    "a redirect carries the token": ("redirect", "get-webhook",
                                     dict(location="{url}/elsewhere/sso?token={token}&key={key_secret_quoted}")),
}


@pytest.fixture(scope="module")
def masking_run(runner, hostile):
    secret = hostile.webhook_secret
    cases = Cases(hostile, "mask")
    # Defect 1: a listing without the secret field, and a subscriber that echoes the secret.
    many = cases.add("trigger", "several webhooks", existing=("wh-a", "wh-b", "wh-c"),
                     webhooks=TWO_WEBHOOKS + [{"webhook_id": "wh-c"}])
    many.list_hides_secret = True
    many.trigger_response = echoing_response(secret)
    # Defect 9: one trigger, the secret used as a key of the answer.
    one = cases.add("trigger", "the secret as a key", webhook_id="wh")
    one.trigger_response = {"ticket": "CHG-2", secret: "the secret as a key", "inner": {secret: 1}}
    # Defect 5.
    for label, (kind, endpoint, options) in sorted(ERROR_PAGES.items()):
        cases.add("trigger", label, webhook_id="wh").scenario(kind, endpoint, **options)
    # Defect 10: delivery logs.
    logs = cases.add("info", "delivery logs", webhook_id="wh", logs=True)
    logs.logs["wh"] = delivery_logs(hostile)
    masked = cases.add("info", "get-webhook masks the secret", existing=(), webhook_id="wh", logs=True)
    masked.add_webhook("wh", secret="********")
    masked.logs["wh"] = [{
        "webhookId": "wh", "eventName": "test", "requestHeaders": {"x-authing-webhook-secret": "********"},
        "requestBody": {"password": "********", "note": "a field the subscriber masked: ********"},
        "responseStatusCode": 200, "responseHeaders": {}, "responseBody": "password: ********",
        "timestamp": "2026-01-01T00:00:00.000Z", "success": True}]
    return cases.run(runner)


@pytest.mark.parametrize("label, tickets, lookups", [("several webhooks", ["CHG-1"] * 3, 3),
                                                     ("the secret as a key", ["CHG-2"], 1)], ids=["webhooks", "one"])
def test_a_secret_the_subscriber_echoes_is_masked(masking_run, label, tickets, lookups):
    """Defects 1 and 9: a ``webhooks`` task of three whose listing leaves the secret field out (get-webhook gives it),
    and one trigger; the subscriber echoes the secret as a value and as a JSON key. The lookup asks get-webhook for
    what the listing does not say, and the secret shows neither in the output at -vvvv nor in the results."""
    result = masking_run.result_of("trigger", label)
    assert_ok(result)
    assert [entry["response"]["ticket"] for entry in result.get("results", [result])] == tickets
    assert not masking_run.item_leaks(label, result)
    assert masking_run.tenants[label].counts["get-webhook"] == lookups


@pytest.mark.parametrize("label", sorted(ERROR_PAGES))
def test_an_error_page_or_a_redirect_is_reported_masked(masking_run, hostile, label):
    """Defect 5: an HTML error page (HTTP 500) is quoted cut at 200 characters, and a secret that straddles the cut
    is masked all the same; a 302's Location carries the URL-encoded key secret (and the token). No 12 characters of
    either show. What keeps holding: the failure names the endpoint and the status; the redirect is never followed."""
    kind, endpoint, options = ERROR_PAGES[label]
    result = masking_run.result_of("trigger", label)
    assert_clear_failure(result, endpoint)
    assert ("500" if kind == "html" else "302") in result["msg"]
    assert not [request for request in hostile.unrouted if request["path"].startswith("/elsewhere")]
    assert not masking_run.item_leaks(label, result)


def test_delivery_logs_mask_the_secret_in_every_shape_of_headers(masking_run):
    """Defect 10: delivery logs whose requestHeaders carry the secret as an object, a JSON string, [name, value] pairs
    and {name, value} objects; responseHeaders as pairs; the subscriber's own ``Authorization: Bearer`` value; and a
    body carrying an older secret that the log's own x-authing-webhook-secret header shows. None of it shows."""
    result = masking_run.result_of("info", "delivery logs")
    assert_ok(result)
    (webhook,) = result["webhooks"]
    assert len(webhook["logs"]) == 7
    assert not masking_run.item_leaks("delivery logs", result)


def test_a_secret_get_webhook_masks_itself_does_not_mask_every_asterisk(masking_run):
    """Defect 10: get-webhook shows the secret as "********". The other "********" of the result (a subscriber's own
    masking, in a log's body) stay as they are, not VALUE_SPECIFIED_IN_NO_LOG_PARAMETER."""
    result = masking_run.result_of("info", "get-webhook masks the secret")
    assert_ok(result)
    text = json.dumps(dict((key, value) for key, value in result.items() if key != "invocation"))
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" not in text, text[:3000]
    (log,) = result["webhooks"][0]["logs"]
    assert log["responseBody"] == "password: ********", log


def test_the_role_masks_a_secret_the_listing_leaves_out(runner, hostile):
    """Defect 1, through the role: deploy_webhooks triggers two targets (list-webhooks leaves the secret out, the
    subscriber echoes it); deploy_webhooks_results and the output at -vvvv do not show it."""
    tenant = hostile.tenant("role")
    tenant.list_hides_secret = True
    tenant.trigger_response = echoing_response(hostile.webhook_secret)
    for webhook_id in ("wh-first", "wh-second"):
        tenant.add_webhook(webhook_id)
    run = runner.playbook("hostile_role.yml", {"access_key_id": tenant.key_id, "targets": [
        {"webhook_id": "wh-first", "name": "first"}, {"webhook_id": "wh-second", "name": "second"}]})
    assert run.rc == 0, run.output[-5000:]
    assert [entry["failed"] for entry in run.result] == [False, False], run.result
    assert [entry["response"]["ticket"] for entry in run.result] == ["CHG-1", "CHG-1"]
    assert tenant.counts["trigger-webhook"] == 2
    assert not run.leaks, run.leaks


# ---------------------------------------------------------------------------------------------------- defect 11

# label: (the endpoint whose envelope carries ANSI_MESSAGE, whether the task triggers several webhooks)
TERMINAL_CASES = {"get-webhook": ("get-webhook", False), "token": ("get-management-token", False),
                  "webhooks, get-webhook": ("get-webhook", True), "webhooks, token": ("get-management-token", True)}


@pytest.fixture(scope="module", params=[1, 4], ids=["-v", "-vvvv"])
def terminal_run(request, runner, hostile):
    verbosity = request.param
    cases = Cases(hostile, "terminal-%d" % verbosity)
    for label, (endpoint, many) in sorted(TERMINAL_CASES.items()):
        tenant = cases.add("trigger", label, existing=("wh-a", "wh-b"),
                           **({"webhooks": TWO_WEBHOOKS} if many else {"webhook_id": "wh-a"}))
        tenant.scenario("envelope", endpoint, message=ANSI_MESSAGE)
        if many:  # the listing fails too, so that get-webhook is asked for each item
            tenant.scenario("envelope", "list-webhooks", message=ANSI_MESSAGE)
    callback = hostile.tenant("terminal-%d-callback" % verbosity)
    callback.scenario("envelope", "get-management-token", message=ANSI_MESSAGE)
    return cases.run(runner, verbosity=verbosity, env={
        "ANSIBLE_CALLBACKS_ENABLED": PLUGIN, "GENAUTH_CALLBACK_WEBHOOK_ID": "wh-a",
        "GENAUTH_ACCESS_KEY_ID": callback.key_id, "GENAUTH_CALLBACK_RETRIES": "0"})


def test_a_server_message_cannot_drive_the_terminal(terminal_run):
    """Defect 11: an envelope message with ESC sequences (a window title, an erased line) and CR/LF followed by a
    forged ``ok: [localhost]`` line, from get-webhook and from the token endpoint, in a task's error, in the warnings
    of a ``webhooks`` task and in the callback's warning. The raw output has no ESC or BEL byte and no line the
    server forged; the message is still shown, escaped."""
    run = terminal_run
    assert run.rc == 0, run.output[-5000:]
    raw_lines = [line for line in run.raw.split(b"\n") if b"\x1b" in line or b"\x07" in line]
    assert not raw_lines, "ESC or BEL bytes in the output: %s" % "; ".join(repr(line[:300]) for line in raw_lines[:3])
    lines = re.split(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]", run.output)
    forged = [line for line in lines if line.lstrip().startswith("ok: [localhost]") and FORGED in line]
    assert not forged, forged
    assert FORGED in run.output
    assert re.search(r"\\(x1b|u001b|033|e)|\^\[|<ESC>", run.output, re.I), "the message is not shown escaped"
    for label in TERMINAL_CASES:
        assert run.result_of("trigger", label)["failed"] is True
    assert [warning for warning in run.warnings() if PLUGIN in warning and FORGED in warning]
    assert not run.leaks, run.leaks


# ---------------------------------------------------------------------------------------------------- every run

def test_the_scan_finds_a_secret_whole_url_encoded_or_in_part():
    """The scan every case relies on: a secret whole, URL-encoded, or any 12 characters of it is found; clean text,
    11 characters, and the start that every JWT of the server shares are not."""
    secret = make_secret(43)
    tokens = {"token#0": jwt({"n": 0}), "token#1": jwt({"n": 1})}
    secrets_by_label = dict(tokens, key=secret)
    assert "+" in secret and "/" in secret
    assert find_leaks(secrets_by_label, {"clean": "nothing to see", "short": "<%s>" % secret[10:21],
                                         "jwt start": tokens["token#0"][:11]}) == []
    found = find_leaks(secrets_by_label, {"whole": "a %s b" % secret, "encoded": "?s=" + quote(secret, safe=""),
                                          "piece": '"%s"' % secret[20:32], "token piece": tokens["token#1"][-20:]})
    start = len(tokens["token#1"]) - 20
    assert found == ["key (whole) in the whole", "key (URL-encoded) in the encoded",
                     "key (its characters 20 to 31) in the piece",
                     "token#1 (its characters %d to %d) in the token piece" % (start, start + 11)]


@pytest.mark.parametrize("group", ["trickle_run", "paging_run", "shapes_run", "masking_run"])
def test_every_run_hides_every_secret(request, group):
    """Whatever else fails, no run shows a secret (whole, URL-encoded, or any 12 characters of it) in its output at
    -vvvv or in its registered results."""
    leaks = request.getfixturevalue(group).leaks
    assert not leaks, leaks


def test_no_secret_was_sent_out_of_its_place(hostile):
    """Across every run of this file: the key secret only in the token request's body, tokens only in the
    Authorization header, the webhook secrets never."""
    assert not hostile.request_leaks()

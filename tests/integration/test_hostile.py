"""The modules, the role and the callback in real ansible-playbook runs against a hostile GenAuth API
(``tests/hostile/server.py``): one scenario, or one parametrised case, per defect of issue 23, and what must keep
holding while they are fixed.

The emulator is faithful; this server is not. It trickles answers, streams hundreds of megabytes, expands gzip,
pages without end, nests JSON thousands of levels deep, sends fields of the wrong type, places secrets where masking
is weakest, and writes terminal control sequences into messages. What each case expects is the contract the code
must meet, not what it does today.

Each group of cases is one ansible-playbook run (``hostile_calls.yml``: each module once per item), its cases told
apart by tenant (the access key id the item gives) and label, so that the file runs in a few minutes. Every run is at
-vvvv (the terminal cases also at -v) and scanned for every secret: whole, URL-encoded, and every 12-character piece
(``tests.hostile.server.find_leaks``). Timings are never asserted: what the server observed bounds what the client
did (bytes sent before the client hung up, calls made).
"""

import json
import os
import re
import subprocess
import sys
import types
import uuid
import zlib
from urllib.parse import quote

import pytest

from tests.hostile.server import ABSENT, HostileServer, find_leaks, jwt, make_secret
from tests.integration.conftest import HERE, Ansible, Run

PLAYBOOK = "hostile_calls.yml"
PLUGIN = "genauth.management.genauth_webhook"
PEAK_RSS = os.path.join(os.path.dirname(HERE), "hostile", "peak_rss.py")
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

# The most list-webhooks calls a read of every page may make when _resource states no MAX_PAGES yet: the contract
# says at most 100.
MAX_PAGES_BOUND = 100

ANSI_MESSAGE = "\x1b]0;pwned\x07\x1b[2Kaccess denied\r\nok: [localhost] => FORGED-BY-SERVER\r\n"
FORGED = "FORGED-BY-SERVER"


# ---------------------------------------------------------------------------------------------------- the runner

class HostileAnsible(Ansible):
    """The integration runner (``conftest.Ansible``: the installed collection, ANSIBLE_* settings) pointed at the
    hostile server. Keeps the raw bytes of the output (no newline translation, for the terminal cases), can measure
    the peak RSS of the run, and scans each run with the hostile server's secrets."""

    def playbook(self, name, extra_vars=None, check=False, verbosity=4, env=None, timeout=300, inventory=None,
                 forks=None, scan=True, measure_rss=False):
        cmd, result_file = self.command(name, extra_vars, check, verbosity, inventory, forks)
        rss_file = None
        if measure_rss:
            rss_file = str(self.tmp_path / ("rss-%s.txt" % uuid.uuid4().hex))
            cmd = [sys.executable, PEAK_RSS, rss_file] + cmd
        proc = subprocess.run(cmd, env=self.env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, cwd=str(self.tmp_path), check=False)
        run = Run(types.SimpleNamespace(returncode=proc.returncode, stdout=proc.stdout.decode("utf-8", "replace")),
                  result_file)
        run.raw = proc.stdout
        run.peak_rss_kb = None
        if rss_file:
            with open(rss_file) as handle:
                run.peak_rss_kb = int(handle.read())
        # A trickle notices that its client has gone within its delay: let every answer finish before reading.
        self.servers.wait_idle()
        run.leaks = find_leaks(self.servers.secrets(), {"output": run.output, "registered result": run.result_text})
        return run


@pytest.fixture(scope="module")
def hostile():
    with HostileServer() as server:
        server.extra_secrets.update(old_webhook_secret=make_secret(32),
                                    subscriber_token="sub-" + make_secret(40, seed_chars="-_"))
        yield server


@pytest.fixture(scope="module")
def runner(collections_path, hostile, tmp_path_factory, module_coverage):
    return HostileAnsible(collections_path, hostile, tmp_path_factory.mktemp("hostile"), module_coverage)


# ---------------------------------------------------------------------------------------------------- helpers

def results_by_label(run, task):
    """The registered results of one task of hostile_calls.yml (trigger, info, webhook), by item label."""
    assert run.result is not None, "the playbook saved no result:\n%s" % run.output[-5000:]
    return dict((result["item"]["label"], result) for result in run.result[task])


_RESULT_LINE = re.compile(r"^(?:ok|changed|failed|fatal|skipping): \[localhost\](?: =>)? \(item=(?P<label>[^)]*)\) => ",
                          re.M)


def item_output(run, label):
    """The part of the output that belongs to the loop item ``label``: from the end of the previous item's result to
    the end of its own (its connection lines, warnings and errors, and its result)."""
    ends, previous_end = {}, 0
    for match in _RESULT_LINE.finditer(run.output):
        line_end = run.output.find("\n", match.start())
        line_end = len(run.output) if line_end < 0 else line_end
        end = line_end
        if run.output[match.start():line_end].rstrip().endswith("{"):
            closing = run.output.find("\n}", line_end)
            end = len(run.output) if closing < 0 else closing + 2
        ends[match.group("label")] = (previous_end, end)
        previous_end = end
    start, end = ends.get(label, (0, len(run.output)))
    return run.output[start:end]


def item_leaks(hostile, run, label, result):
    """Secrets shown by one item: in its part of the output, or in its registered result."""
    return find_leaks(hostile.secrets(), {"output of %r" % label: item_output(run, label),
                                          "result of %r" % label: json.dumps(result)})


def assert_clear_failure(result, endpoint):
    """A failed task whose message names ``endpoint`` and is not an "unexpected error, this is a bug" one."""
    msg = str(result.get("msg"))
    assert result.get("failed") is True, "the task did not fail: %s" % json.dumps(result)[:3000]
    assert endpoint in msg, "the message does not name %s: %s" % (endpoint, msg[:2000])
    for marker in BUG_MARKERS:
        assert marker not in msg, "a bug instead of a clear message: %s" % msg[:2000]


def assert_no_bug(result):
    text = json.dumps(result)
    for marker in BUG_MARKERS:
        assert marker not in text, "a bug instead of a clear outcome: %s" % str(result.get("msg"))[:2000]


def says_it_may_have_been_delivered(msg):
    return re.search(r"(may|might|could) (already )?have been (delivered|processed|triggered)", msg or "", re.I)


def list_ids(result):
    return [webhook.get("webhookId") for webhook in result.get("webhooks") or []]


# ---------------------------------------------------------------------------------------------------- defect 2

TRICKLES = [("get-webhook", "trickle_headers"), ("get-webhook", "trickle_body"),
            ("trigger-webhook", "trickle_headers"), ("trigger-webhook", "trickle_body")]


@pytest.fixture(scope="module")
def trickle_run(runner, hostile):
    tenant = hostile.tenant("trickle")
    calls = []
    for endpoint, kind in TRICKLES:
        webhook = tenant.add_webhook()
        tenant.scenario(kind, endpoint, webhook_id=webhook["webhookId"], delay=DELAY, patience=PATIENCE)
        calls.append({"label": "%s %s" % (endpoint, kind), "webhook_id": webhook["webhookId"],
                      "access_key_id": tenant.key_id, "timeout": TIMEOUT, "retries": 0})
    return runner.playbook(PLAYBOOK, {"trigger_calls": calls}), tenant


@pytest.mark.parametrize("endpoint,kind", TRICKLES, ids=["%s-%s" % case for case in TRICKLES])
def test_timeout_bounds_the_whole_request_not_the_wait_between_two_bytes(trickle_run, record_property, endpoint, kind):
    """Defect 2: ``timeout`` bounds each request from connecting to the last byte of the answer. A server that sends
    a byte every 0.5 s (the status line and headers too, or only the body) meets a client that hangs up after about
    a second, long before the answer ends, and the task fails naming the endpoint and the timeout."""
    run, tenant = trickle_run
    result = results_by_label(run, "trigger")["%s %s" % (endpoint, kind)]
    webhook_id = result["item"]["webhook_id"]
    (record,) = [record for record in tenant.trickles if record["webhook_id"] == webhook_id]
    record_property("bytes_sent_before_the_client_hung_up", record["sent"])
    print("%s %s: %d of %d bytes sent before the client hung up" % (endpoint, kind, record["sent"], record["size"]))
    assert record["endpoint"] == endpoint
    assert record["client_closed"] and record["sent"] < GAVE_UP_BEFORE, (
        "with timeout: %s the client was still reading after %d bytes (one each %g s; the server gave up after %d): "
        "%s" % (TIMEOUT, record["sent"], DELAY, PATIENCE, result.get("msg")))
    assert_clear_failure(result, endpoint)
    assert "timeout" in result["msg"].lower() and re.search(r"\b%d(\.0+)? ?(s\b|sec)" % TIMEOUT, result["msg"]), \
        result["msg"]


def test_the_callback_gives_up_on_a_trickling_lookup_and_keeps_the_exit_code(runner, hostile):
    """Defect 2, through the callback: with GENAUTH_CALLBACK_TIMEOUT=1 and no retries, a lookup that trickles is
    abandoned early (the server saw the client hang up), the run keeps the playbook's exit code (0), and the plugin
    says so in one warning."""
    tenant = hostile.tenant("callback-trickle")
    webhook = tenant.add_webhook()
    tenant.scenario("trickle_body", "get-webhook", delay=DELAY, patience=PATIENCE)
    run = runner.playbook("callback_run.yml", env={
        "ANSIBLE_CALLBACKS_ENABLED": PLUGIN, "GENAUTH_CALLBACK_WEBHOOK_ID": webhook["webhookId"],
        "GENAUTH_ACCESS_KEY_ID": tenant.key_id, "GENAUTH_CALLBACK_TIMEOUT": str(TIMEOUT),
        "GENAUTH_CALLBACK_RETRIES": "0"})
    assert run.rc == 0, run.output[-5000:]
    warnings = [warning for warning in run.warnings() if PLUGIN in warning]
    assert len(warnings) == 1 and "get-webhook" in warnings[0], warnings
    (record,) = tenant.trickles
    print("callback, get-webhook trickle_body: %d of %d bytes sent before the client hung up"
          % (record["sent"], record["size"]))
    assert record["client_closed"] and record["sent"] < GAVE_UP_BEFORE, (
        "with timeout 1 the callback was still reading after %d bytes: %s" % (record["sent"], warnings))
    assert tenant.calls("trigger-webhook") == 0
    assert not run.leaks, run.leaks


# ---------------------------------------------------------------------------------------------------- defect 3

def answer_cap():
    try:
        from ansible_collections.genauth.management.plugins.module_utils._envelope import MAX_ANSWER_BYTES
    except ImportError:
        pytest.skip("plugins/module_utils/_envelope.py defines no MAX_ANSWER_BYTES: the code has no cap on the size "
                    "of an answer yet (issue 23, defect 3)")
    return MAX_ANSWER_BYTES


def limit_forms(limit):
    """The ways a message may state a limit of ``limit`` bytes: 1048576, 1,048,576, 1 MiB, 1.0 MiB, 1MB..."""
    forms = {str(limit), "{:,}".format(limit)}
    for unit, size in (("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("kB", 1000),
                       ("MB", 1000 ** 2), ("GB", 1000 ** 3)):
        value = limit / float(size)
        if value < 1:
            continue
        for text in ("%g" % value, "%.1f" % value, "%.2f" % value, "%d" % round(value)):
            forms.update(("%s %s" % (text, unit), text + unit))
    return forms


@pytest.fixture(scope="session")
def gzip_answer(tmp_path_factory):
    """A get-webhook answer of GZIP_EXPANDED_BYTES once decompressed (spaces inside the envelope), about 300 KB as
    gzip; compressed as a stream, once per session."""
    path = tmp_path_factory.mktemp("hostile-gzip") / "get-webhook.json.gz"
    suffix = json.dumps({"statusCode": 200, "message": "", "requestId": "gzip", "data": {
        "webhookId": "wh-gzip", "name": "gzip", "url": "https://hooks.example.test/gzip", "enabled": True,
        "events": ["test"], "contentType": "application/json"}})[1:].encode()
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1 << 20)
    with open(str(path), "wb") as out:
        out.write(compressor.compress(b"{"))
        for dummy in range(GZIP_EXPANDED_BYTES // len(block)):
            out.write(compressor.compress(block))
        out.write(compressor.compress(suffix))
        out.write(compressor.flush())
    return str(path)


CAP_CASES = {"200-MB-answer": dict(kind="stream", size=STREAM_BYTES),
             "200-MB-answer-chunked": dict(kind="stream", size=STREAM_BYTES, chunked=True),
             "gzip-expanding-to-300-MB": dict(kind="gzip")}


@pytest.mark.parametrize("case", sorted(CAP_CASES))
def test_an_answer_beyond_the_cap_fails_without_being_read_whole(runner, hostile, request, record_property, case):
    """Defect 3: an answer is read only up to MAX_ANSWER_BYTES (after decompression). A 200 MB answer streamed by the
    server (with its Content-Length, or chunked with no length announced), and a ~300 KB gzip answer that expands to
    300 MB, fail the task with a message naming the endpoint and the limit; the server did not get to send the whole
    200 MB; the peak RSS of the whole run (ansible-playbook and the module) stays under 250 MB."""
    limit = answer_cap()
    options = dict(CAP_CASES[case])
    kind = options.pop("kind")
    tenant = hostile.tenant("cap-" + case)
    webhook = tenant.add_webhook("wh-gzip" if kind == "gzip" else None)
    if kind == "gzip":
        options["path"] = request.getfixturevalue("gzip_answer")
    tenant.scenario(kind, "get-webhook", **options)
    run = runner.playbook(PLAYBOOK, {"trigger_calls": [{"label": case, "webhook_id": webhook["webhookId"],
                                                        "access_key_id": tenant.key_id}]}, measure_rss=True)
    peak_mb = run.peak_rss_kb / 1024.0
    record_property("peak_rss_mb", round(peak_mb, 1))
    print("peak RSS of the run (%s): %.1f MB" % (case, peak_mb))
    result = results_by_label(run, "trigger")[case]
    assert_clear_failure(result, "get-webhook")
    assert any(form in result["msg"] for form in limit_forms(limit)), \
        "the message does not state the limit (%d bytes): %s" % (limit, result["msg"])
    if kind == "stream":
        (record,) = tenant.streams
        print("%s: %d of %d bytes sent before the client stopped" % (case, record["sent"], record["total"]))
        assert record["client_stopped"] and record["sent"] < record["total"], record
    assert peak_mb < PEAK_RSS_LIMIT_MB, "the run peaked at %.1f MB" % peak_mb
    assert tenant.calls("trigger-webhook") == 0
    assert not run.leaks, run.leaks


# ---------------------------------------------------------------------------------------------------- defects 4 and 8

def max_pages():
    try:
        from ansible_collections.genauth.management.plugins.module_utils._resource import MAX_PAGES
    except ImportError:
        return None
    return MAX_PAGES


def page_bound():
    return max_pages() or MAX_PAGES_BOUND


ENDLESS = {"totalCount absent": ABSENT, "totalCount a string": "many", "totalCount 10**9": 10 ** 9}


@pytest.fixture(scope="module")
def paging_run(runner, hostile):
    """Each case twice: genauth_webhook_info with no filter, and genauth_webhook by name (state present)."""
    pages = page_bound() + 10  # full pages beyond the cap, then an empty one
    cases = dict((label, dict(mode="endless", total=total, pages=pages)) for label, total in ENDLESS.items())
    cases.update({"totalCount 120": dict(mode="endless", total=120, pages=pages),
                  "the same page again": dict(mode="repeat", total=1000),
                  "a webhook moves": dict(mode="moving")})
    wanted_names = {"totalCount 120": "hook-7", "the same page again": "hook-7", "a webhook moves": "hook-49"}
    info_calls, webhook_calls, tenants = [], [], {}
    for number, (label, options) in enumerate(sorted(cases.items())):
        info, declared = hostile.tenant("paging-info-%d" % number), hostile.tenant("paging-declare-%d" % number)
        for tenant in (info, declared):
            tenant.scenario("pages", "list-webhooks", **options)
        tenants[label] = (info, declared)
        info_calls.append({"label": "info: " + label, "access_key_id": info.key_id})
        name = wanted_names.get(label, "not-listed")
        number_in_name = name.rsplit("-", 1)[-1]
        webhook_calls.append({"label": "declare: " + label, "access_key_id": declared.key_id, "state": "present",
                              "name": name, "url": "https://hooks.example.test/hook-%s" % number_in_name,
                              "events": ["test"]})
    run = runner.playbook(PLAYBOOK, {"info_calls": info_calls, "webhook_calls": webhook_calls})
    return run, tenants


@pytest.mark.parametrize("label", sorted(ENDLESS))
def test_info_stops_reading_pages_that_never_end(paging_run, label):
    """Defect 4: list-webhooks always answers a full page of different webhooks and a totalCount that is absent, a
    string, or 10**9. genauth_webhook_info reads at most MAX_PAGES pages and fails, naming list-webhooks."""
    run, tenants = paging_run
    result = results_by_label(run, "info")["info: " + label]
    calls = tenants[label][0].calls("list-webhooks")
    assert calls <= page_bound(), "%d list-webhooks calls (at most %d)" % (calls, page_bound())
    assert_clear_failure(result, "list-webhooks")


@pytest.mark.parametrize("label", sorted(ENDLESS))
def test_a_webhook_declared_by_name_stops_reading_pages_that_never_end(paging_run, label):
    """Defect 4: genauth_webhook looking a name up among pages that never end reads at most MAX_PAGES of them, fails
    naming list-webhooks, and creates nothing (the name might be on a page it did not read)."""
    run, tenants = paging_run
    result = results_by_label(run, "webhook")["declare: " + label]
    declared = tenants[label][1]
    calls = declared.calls("list-webhooks")
    assert calls <= page_bound(), "%d list-webhooks calls (at most %d)" % (calls, page_bound())
    assert declared.calls("create-webhook") == 0, "a webhook was created after reading %d pages" % calls
    assert_clear_failure(result, "list-webhooks")


def test_a_valid_total_count_is_read_exactly(paging_run):
    """Defect 4, what keeps holding: with totalCount 120 and full pages beyond it, both modules read the 3 pages
    that 120 needs and succeed (genauth_webhook finds hook-7 as it is: no change)."""
    run, tenants = paging_run
    info = results_by_label(run, "info")["info: totalCount 120"]
    declared = results_by_label(run, "webhook")["declare: totalCount 120"]
    info_tenant, declared_tenant = tenants["totalCount 120"]
    assert info.get("failed") is not True, info.get("msg")
    ids = list_ids(info)
    assert 120 <= len(ids) <= 150 and len(set(ids)) == len(ids), len(ids)
    assert info_tenant.calls("list-webhooks") == 3
    assert declared.get("failed") is not True, declared.get("msg")
    assert declared["changed"] is False and declared["webhook_id"] == "wh0007"
    assert declared_tenant.calls("list-webhooks") == 3


def test_a_server_that_repeats_the_same_page_stops_the_reading(paging_run):
    """Defect 4, what keeps holding: a server that ignores ``page`` (the same full page each time) stops the reading
    at the repeat, in both modules."""
    run, tenants = paging_run
    for task, tenant in zip(("info", "webhook"), tenants["the same page again"]):
        result = results_by_label(run, task)[("info: " if task == "info" else "declare: ") + "the same page again"]
        assert tenant.calls("list-webhooks") <= 2, tenant.calls("list-webhooks")
        assert_no_bug(result)
        if result.get("failed"):
            assert "list-webhooks" in result["msg"], result["msg"]
        elif task == "info":
            ids = list_ids(result)
            assert len(ids) == len(set(ids)) == 50, ids
        else:
            assert result["webhook_id"] == "wh0007" and result["changed"] is False, result
    assert tenants["the same page again"][1].calls("create-webhook") == 0


def test_a_webhook_that_moves_between_pages_is_counted_once(paging_run):
    """Defect 8: page 1 ends with hook-49 (wh0049), and page 2 starts with it again (a webhook before it was deleted
    between the two calls). genauth_webhook_info returns 50 webhooks, all different; genauth_webhook finds one
    webhook named hook-49, not two."""
    run, tenants = paging_run
    info = results_by_label(run, "info")["info: a webhook moves"]
    declared = results_by_label(run, "webhook")["declare: a webhook moves"]
    assert info.get("failed") is not True, info.get("msg")
    ids = list_ids(info)
    assert len(ids) == len(set(ids)) == 50, "%d entries, %d distinct ids" % (len(ids), len(set(ids)))
    assert declared.get("failed") is not True, declared.get("msg")
    assert declared["webhook_id"] == "wh0049" and declared["changed"] is False, declared
    declared_tenant = tenants["a webhook moves"][1]
    assert declared_tenant.calls("create-webhook") == declared_tenant.calls("update-webhook") == 0


# ---------------------------------------------------------------------------------------------------- defects 6 and 7

LIST_SHAPES = {
    "list is a string": {"totalCount": 1, "list": "wh-a"},
    "list is a number": {"totalCount": 1, "list": 7},
    "list is an object": {"totalCount": 1, "list": {"webhookId": "wh-a", "name": "a"}},
    "list is [null]": {"totalCount": 1, "list": [None]},
    "a listed webhookId is a list": {"totalCount": 1, "list": [
        {"webhookId": ["wh-a"], "name": "a", "url": "https://hooks.example.test/a", "events": ["test"]}]},
    "JSON nested 3000 levels": None,  # the deep scenario
}


def _list_shape(tenant, label):
    if LIST_SHAPES[label] is None:
        tenant.scenario("deep", "list-webhooks", depth=3000)
    else:
        tenant.scenario("data", "list-webhooks", data=LIST_SHAPES[label])


@pytest.fixture(scope="module")
def shapes_run(runner, hostile):
    info_calls, trigger_calls, webhook_calls, tenants = [], [], [], {}
    for number, label in enumerate(sorted(LIST_SHAPES)):
        info, many = hostile.tenant("shape-info-%d" % number), hostile.tenant("shape-many-%d" % number)
        for tenant in (info, many):
            tenant.add_webhook("wh-a")
            tenant.add_webhook("wh-b")
            _list_shape(tenant, label)
        tenants["info: " + label], tenants["webhooks: " + label] = info, many
        info_calls.append({"label": "info: " + label, "access_key_id": info.key_id})
        trigger_calls.append({"label": "webhooks: " + label, "access_key_id": many.key_id,
                              "webhooks": [{"webhook_id": "wh-a"}, {"webhook_id": "wh-b"}]})

    objects = [{"value": "test", "name": "Test"}]
    for how in ("by name", "by id"):
        tenant = hostile.tenant("shape-events-" + how.replace(" ", "-"))
        tenant.add_webhook("wh-events", name="events-hook", url="https://hooks.example.test/events", events=objects)
        tenants["events are objects, " + how] = tenant
        call = {"label": "events are objects, " + how, "access_key_id": tenant.key_id, "state": "present",
                "url": "https://hooks.example.test/events", "events": ["test"]}
        call.update({"name": "events-hook"} if how == "by name" else {"webhook_id": "wh-events"})
        webhook_calls.append(call)

    deep_get = hostile.tenant("shape-deep-get")
    deep_get.add_webhook("wh-deep")
    deep_get.scenario("deep", "get-webhook", depth=3000)
    tenants["get-webhook nested 3000 levels"] = deep_get
    trigger_calls.append({"label": "get-webhook nested 3000 levels", "webhook_id": "wh-deep",
                          "access_key_id": deep_get.key_id})
    for depth in (500, 3000):
        tenant = hostile.tenant("shape-deep-response-%d" % depth)
        tenant.add_webhook("wh-deep")
        tenant.scenario("deep", "trigger-webhook", depth=depth, shape="dict")
        label = "data.response nested %d levels" % depth
        tenants[label] = tenant
        trigger_calls.append({"label": label, "webhook_id": "wh-deep", "access_key_id": tenant.key_id})
    run = runner.playbook(PLAYBOOK, {"trigger_calls": trigger_calls, "info_calls": info_calls,
                                     "webhook_calls": webhook_calls})
    return run, tenants


@pytest.mark.parametrize("label", sorted(LIST_SHAPES))
def test_info_reports_an_odd_listing_clearly(shapes_run, label):
    """Defects 6 and 7: list-webhooks whose ``list`` is a string, a number, an object or [null], whose webhook has a
    list for its webhookId, or that is nested 3,000 levels deep: genauth_webhook_info fails with a message naming
    list-webhooks, not an unexpected error."""
    run, tenants = shapes_run
    assert_clear_failure(results_by_label(run, "info")["info: " + label], "list-webhooks")


@pytest.mark.parametrize("label", sorted(LIST_SHAPES))
def test_several_webhooks_are_still_triggered_when_the_listing_is_odd(shapes_run, label):
    """Defects 6 and 7: the same odd listings under a ``webhooks`` task: the lookup falls back to get-webhook for each
    item, every item is triggered once, and the task succeeds."""
    run, tenants = shapes_run
    result = results_by_label(run, "trigger")["webhooks: " + label]
    tenant = tenants["webhooks: " + label]
    assert_no_bug(result)
    assert result.get("failed") is not True, result.get("msg")
    assert [entry.get("failed") for entry in result["results"]] == [False, False], result["results"]
    assert tenant.calls("trigger-webhook") == 2 and len(tenant.deliveries) == 2
    assert tenant.calls("get-webhook") == 2


@pytest.mark.parametrize("how,endpoint", [("by name", "list-webhooks"), ("by id", "get-webhook")])
def test_events_given_as_objects_are_reported_clearly(shapes_run, how, endpoint):
    """Defect 7: a webhook whose ``events`` is a list of objects, found by name (list-webhooks) or by id
    (get-webhook): genauth_webhook fails with a message naming the endpoint, and writes nothing."""
    run, tenants = shapes_run
    label = "events are objects, " + how
    assert_clear_failure(results_by_label(run, "webhook")[label], endpoint)
    tenant = tenants[label]
    assert tenant.calls("update-webhook") == tenant.calls("create-webhook") == 0


def test_a_webhook_nested_3000_levels_deep_is_reported_clearly(shapes_run):
    """Defect 6: get-webhook answers JSON nested 3,000 levels deep: the trigger fails naming get-webhook, with no
    RecursionError "bug", and nothing is triggered."""
    run, tenants = shapes_run
    assert_clear_failure(results_by_label(run, "trigger")["get-webhook nested 3000 levels"], "get-webhook")
    assert tenants["get-webhook nested 3000 levels"].calls("trigger-webhook") == 0


def test_a_response_500_levels_deep_keeps_the_delivery(shapes_run):
    """Defect 6: trigger-webhook delivers, then answers a data.response nested 500 levels deep. The result says
    changed (it was delivered once); it succeeds with the deep part left out, or fails saying the webhook may have
    been delivered; never a "bug" that loses changed and the response."""
    run, tenants = shapes_run
    result = results_by_label(run, "trigger")["data.response nested 500 levels"]
    assert_no_bug(result)
    assert result.get("changed") is True, result
    assert tenants["data.response nested 500 levels"].calls("trigger-webhook") == 1
    if result.get("failed"):
        assert says_it_may_have_been_delivered(result.get("msg")), result.get("msg")


def test_a_response_3000_levels_deep_says_the_webhook_may_have_been_delivered(shapes_run):
    """Defect 6: a trigger answer nested 3,000 levels deep cannot be read, but the webhook was delivered: changed is
    true and the message says it may have been delivered."""
    run, tenants = shapes_run
    result = results_by_label(run, "trigger")["data.response nested 3000 levels"]
    assert_no_bug(result)
    assert result.get("changed") is True, result
    assert says_it_may_have_been_delivered(result.get("msg")), result.get("msg")
    assert tenants["data.response nested 3000 levels"].calls("trigger-webhook") == 1


# ---------------------------------------------------------------------------------------------------- defects 1, 5, 9, 10

def echoing_response(secret):
    """A careless subscriber's answer: the webhook secret as a value, as a JSON key, and both, nested."""
    return {"ticket": "CHG-1", "seen_secret": secret, secret: "the secret as a key",
            "headers": {"x-authing-webhook-secret": secret}, "nested": [{secret: secret}]}


def delivery_logs(hostile):
    secret = hostile.webhook_secret
    older = hostile.extra_secrets["old_webhook_secret"]
    bearer = "Bearer " + hostile.extra_secrets["subscriber_token"]

    def log(number, **fields):
        entry = {"webhookId": "wh-logs", "eventName": "test", "requestBody": {"n": number},
                 "requestHeaders": {"user-agent": "authing-webhook@2.0"}, "responseStatusCode": 200,
                 "responseHeaders": {"content-type": "application/json"}, "responseBody": '{"ok": true}',
                 "timestamp": "2026-01-01T00:00:%02d.000Z" % number, "success": True, "errorMessage": None}
        entry.update(fields)
        return entry

    return [
        log(1, requestHeaders={"x-authing-webhook-secret": secret, "user-agent": "authing-webhook@2.0"}),
        log(2, requestHeaders=json.dumps({"x-authing-webhook-secret": secret, "x-authing-token": secret})),
        log(3, requestHeaders=[["X-Authing-Webhook-Secret", secret], ["user-agent", "authing-webhook@2.0"]]),
        log(4, requestHeaders=[{"name": "x-genauth-webhook-secret", "value": secret},
                               {"name": "user-agent", "value": "authing-webhook@2.0"}]),
        log(5, responseHeaders=[["Authorization", bearer], ["x-genauth-token", secret]]),
        log(6, requestHeaders={"Authorization": bearer}, responseHeaders={"authorization": bearer}),
        # Delivered before the secret was rotated: the older secret in its header, and echoed in its body.
        log(7, requestHeaders={"x-authing-webhook-secret": older},
            requestBody={"event": "test", "note": "signed with %s" % older}),
    ]


@pytest.fixture(scope="module")
def masking_run(runner, hostile):
    secret = hostile.webhook_secret
    tenants, trigger_calls, info_calls = {}, [], []

    def tenant_for(label):
        tenant = hostile.tenant("mask-%d" % len(tenants))
        tenants[label] = tenant
        return tenant

    # Defect 1: a listing without the secret field, and a subscriber that echoes the secret.
    many = tenant_for("several webhooks")
    many.list_hides_secret = True
    many.trigger_response = echoing_response(secret)
    for webhook_id in ("wh-a", "wh-b", "wh-c"):
        many.add_webhook(webhook_id)
    trigger_calls.append({"label": "several webhooks", "access_key_id": many.key_id,
                          "webhooks": [{"webhook_id": "wh-a"}, {"webhook_id": "wh-b"}, {"webhook_id": "wh-c"}]})
    # Defect 9: one trigger, the secret used as a key of the answer.
    one = tenant_for("the secret as a key")
    one.trigger_response = {"ticket": "CHG-2", secret: "the secret as a key", "inner": {secret: 1}}
    one.add_webhook("wh-one")
    trigger_calls.append({"label": "the secret as a key", "access_key_id": one.key_id, "webhook_id": "wh-one"})
    # Defect 5: a secret across the cut of a quoted error page; URL-encoded in a redirect.
    for label, endpoint, options in (
            ("an HTML page cuts the key secret", "get-management-token", dict(secret="key_secret", at=180)),
            ("an HTML page cuts the token", "get-webhook", dict(secret="token", at=150)),
            ("an HTML page cuts the key secret on get-webhook", "get-webhook", dict(secret="key_secret", at=175)),
            ("a redirect carries the key secret", "get-management-token",
             dict(location="{url}/elsewhere/login?secret={key_secret_quoted}")),
            ("a redirect carries the token", "get-webhook",
             dict(location="{url}/elsewhere/sso?token={token}&key={key_secret_quoted}"))):
        tenant = tenant_for(label)
        tenant.add_webhook("wh-page")
        tenant.scenario("redirect" if "location" in options else "html", endpoint, **options)
        trigger_calls.append({"label": label, "access_key_id": tenant.key_id, "webhook_id": "wh-page"})
    # What keeps holding: invalid input is refused before any call.
    refused = tenant_for("invalid input")
    trigger_calls.append({"label": "invalid input", "access_key_id": refused.key_id, "webhook_id": "wh-any",
                          "request_headers": {"X-Deploy": "1\r\nX-Injected: 2"}})
    # Defect 10: delivery logs.
    logs = tenant_for("delivery logs")
    logs.add_webhook("wh-logs")
    logs.logs["wh-logs"] = delivery_logs(hostile)
    info_calls.append({"label": "delivery logs", "access_key_id": logs.key_id, "webhook_id": "wh-logs", "logs": True})
    masked = tenant_for("get-webhook masks the secret")
    masked.add_webhook("wh-masked", secret="********")
    masked.logs["wh-masked"] = [{
        "webhookId": "wh-masked", "eventName": "test", "requestHeaders": {"x-authing-webhook-secret": "********"},
        "requestBody": {"password": "********", "note": "a field the subscriber masked: ********"},
        "responseStatusCode": 200, "responseHeaders": {}, "responseBody": "password: ********",
        "timestamp": "2026-01-01T00:00:00.000Z", "success": True}]
    info_calls.append({"label": "get-webhook masks the secret", "access_key_id": masked.key_id,
                       "webhook_id": "wh-masked", "logs": True})
    run = runner.playbook(PLAYBOOK, {"trigger_calls": trigger_calls, "info_calls": info_calls})
    return run, tenants


def test_several_webhooks_mask_a_secret_the_listing_leaves_out(masking_run, hostile):
    """Defect 1 (and 9): a ``webhooks`` task of three, list-webhooks leaving the secret field out, get-webhook
    giving it, and a subscriber that echoes it as a value and as a JSON key. The lookup asks get-webhook for what the
    listing does not say, and the secret shows nowhere in the output at -vvvv nor in results[].response."""
    run, tenants = masking_run
    result = results_by_label(run, "trigger")["several webhooks"]
    assert result.get("failed") is not True, result.get("msg")
    assert [entry["response"]["ticket"] for entry in result["results"]] == ["CHG-1"] * 3
    assert not item_leaks(hostile, run, "several webhooks", result)
    assert tenants["several webhooks"].calls("get-webhook") == 3


def test_one_trigger_masks_the_secret_used_as_a_key(masking_run, hostile):
    """Defect 9: the subscriber's answer uses the webhook secret as a JSON key; the registered response and the
    output do not show it."""
    run, tenants = masking_run
    result = results_by_label(run, "trigger")["the secret as a key"]
    assert result.get("failed") is not True, result.get("msg")
    assert result["response"]["ticket"] == "CHG-2"
    assert not item_leaks(hostile, run, "the secret as a key", result)


@pytest.mark.parametrize("label,endpoint", [
    ("an HTML page cuts the key secret", "get-management-token"),
    ("an HTML page cuts the token", "get-webhook"),
    ("an HTML page cuts the key secret on get-webhook", "get-webhook"),
])
def test_an_error_page_is_masked_before_it_is_cut(masking_run, hostile, label, endpoint):
    """Defect 5: an HTML error page (HTTP 500) is quoted cut at 200 characters; a secret that straddles the cut is
    masked all the same (no 12 characters of it show). What keeps holding: the page is quoted, the task fails
    naming the endpoint."""
    run, tenants = masking_run
    result = results_by_label(run, "trigger")[label]
    assert_clear_failure(result, endpoint)
    assert "500" in result["msg"]
    assert not item_leaks(hostile, run, label, result)


@pytest.mark.parametrize("label,endpoint", [
    ("a redirect carries the key secret", "get-management-token"),
    ("a redirect carries the token", "get-webhook"),
])
def test_a_redirect_is_reported_not_followed_and_its_location_masked(masking_run, hostile, label, endpoint):
    """Defect 5: a 302 whose Location carries the URL-encoded key secret (and the token): the message shows neither,
    in either form. What keeps holding: the redirect is reported, never followed."""
    run, tenants = masking_run
    result = results_by_label(run, "trigger")[label]
    assert_clear_failure(result, endpoint)
    assert "302" in result["msg"]
    assert not [request for request in hostile.unrouted if request["path"].startswith("/elsewhere")]
    assert not item_leaks(hostile, run, label, result)


def test_invalid_input_is_still_refused_before_any_call(masking_run):
    """What keeps holding: a header value with CR/LF is refused before any network call (no token either)."""
    run, tenants = masking_run
    result = results_by_label(run, "trigger")["invalid input"]
    assert result.get("failed") is True and "request_headers" in result["msg"], result.get("msg")
    assert tenants["invalid input"].calls() == 0


def test_delivery_logs_mask_the_secret_in_every_shape_of_headers(masking_run, hostile):
    """Defect 10: delivery logs whose requestHeaders carry the secret as an object, a JSON string, [name, value] pairs
    and {name, value} objects; responseHeaders as pairs; the subscriber's own ``Authorization: Bearer`` value; and a
    body carrying an older secret that the log's own x-authing-webhook-secret header shows. None of it shows."""
    run, tenants = masking_run
    result = results_by_label(run, "info")["delivery logs"]
    assert result.get("failed") is not True, result.get("msg")
    (webhook,) = result["webhooks"]
    assert len(webhook["logs"]) == 7
    assert not item_leaks(hostile, run, "delivery logs", result)


def test_a_secret_get_webhook_masks_itself_does_not_mask_every_asterisk(masking_run):
    """Defect 10: get-webhook shows the secret as "********". The other "********" of the result (a subscriber's own
    masking, in a log's body) stay as they are, not VALUE_SPECIFIED_IN_NO_LOG_PARAMETER."""
    run, tenants = masking_run
    result = results_by_label(run, "info")["get-webhook masks the secret"]
    assert result.get("failed") is not True, result.get("msg")
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
    assert tenant.calls("trigger-webhook") == 2
    assert not run.leaks, run.leaks


# ---------------------------------------------------------------------------------------------------- defect 11

@pytest.fixture(scope="module", params=[1, 4], ids=["-v", "-vvvv"])
def terminal_run(request, runner, hostile):
    verbosity = request.param
    calls = []

    def tenant_for(label):
        return hostile.tenant("terminal-%d-%d" % (verbosity, len(calls)))

    for label, endpoint, many in (("get-webhook", "get-webhook", False), ("token", "get-management-token", False),
                                  ("webhooks, get-webhook", "get-webhook", True),
                                  ("webhooks, token", "get-management-token", True)):
        tenant = tenant_for(label)
        tenant.add_webhook("wh-a")
        tenant.add_webhook("wh-b")
        tenant.scenario("envelope", endpoint, status_code=403, message=ANSI_MESSAGE)
        if many:  # the listing fails too, so that get-webhook is asked for each item
            tenant.scenario("envelope", "list-webhooks", status_code=403, message=ANSI_MESSAGE)
        call = {"label": label, "access_key_id": tenant.key_id}
        call.update({"webhooks": [{"webhook_id": "wh-a"}, {"webhook_id": "wh-b"}]} if many else {"webhook_id": "wh-a"})
        calls.append(call)
    callback = hostile.tenant("terminal-%d-callback" % verbosity)
    callback.scenario("envelope", "get-management-token", status_code=403, message=ANSI_MESSAGE)
    run = runner.playbook(PLAYBOOK, {"trigger_calls": calls}, verbosity=verbosity, env={
        "ANSIBLE_CALLBACKS_ENABLED": PLUGIN, "GENAUTH_CALLBACK_WEBHOOK_ID": "wh-a",
        "GENAUTH_ACCESS_KEY_ID": callback.key_id, "GENAUTH_CALLBACK_RETRIES": "0"})
    return run


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
    for label in ("get-webhook", "token", "webhooks, get-webhook", "webhooks, token"):
        assert results_by_label(run, "trigger")[label]["failed"] is True
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
    """Whatever else fails, no run shows a secret: the access key secret, a token, the webhook secret (whole,
    URL-encoded, or any 12 characters of it) in the output at -vvvv or in the registered results."""
    run = request.getfixturevalue(group)[0]
    assert not run.leaks, run.leaks


def test_no_secret_was_sent_out_of_its_place(hostile):
    """Across every run of this file: the key secret only in the token request's body, tokens only in the
    Authorization header, the webhook secrets never."""
    assert not hostile.request_leaks()

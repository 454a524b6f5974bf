"""The fault scenarios, the checks every scenario must pass, the figures the reliability tests measure, and the
table they regenerate in docs/docsite/rst/guarantees.rst.

The scenarios are data, and each is checked at one layer (``Scenario.layer``): a fault that is an HTTP answer
is checked by tests/unit/plugins/modules/test_fault_scenarios.py, the trigger module's main() with HTTP mocked;
what needs real sockets (a late, cut or missing answer, a refused connection, TLS) and a few exactly-once
delivery counts are checked by tests/integration/test_fault_matrix.py, through ansible-playbook against the
emulator. Both layers hand what they saw to ``check()``, the one place that states what a scenario promises.
The documentation table is rendered from the same list, so docs and tests cannot drift
(tests/test_guarantees_doc.py checks the committed table). Tests record what they measured with the
``record_*()`` functions; ``make guarantees`` (pytest --write-guarantees) runs every measuring test and, when
all of them passed, ``write_if_complete()`` rewrites the generated block of docs/docsite/rst/guarantees.rst.
``make test`` measures the same but writes nothing.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC_PATH = os.path.join(REPO_ROOT, "docs", "docsite", "rst", "guarantees.rst")
# reStructuredText comments, so that the markers stay out of the rendered page.
BEGIN = ".. BEGIN GENERATED: guarantees"
END = ".. END GENERATED"

# The module's retry policy, used to bound how long a run may take and to check the retry warnings.
# tests/conftest.py puts the collection on sys.path before anything imports this file.
from ansible_collections.genauth.management.plugins.module_utils._connection import RETRIES  # noqa: E402
from ansible_collections.genauth.management.plugins.module_utils._retry import BASE_DELAY, MAX_DELAY  # noqa: E402,F401

DEFAULT_RETRIES = RETRIES.default
# Every scenario sets this timeout (seconds per HTTP request, connecting to last byte) unless it tests a slower answer.
TIMEOUT = 5
# ansible-playbook start-up, one fork, the module's imports and the result file, on a busy 2-core runner.
RUN_SLACK = 90.0

T = "trigger-webhook"
LOOKUP = "get-webhook"
TOKEN = "get-management-token"

# Where a scenario is checked (Scenario.layer), and how the table names each layer.
UNIT, PLAYBOOK = "unit", "playbook"
LAYERS = {UNIT: "unit test: main(), HTTP mocked", PLAYBOOK: "ansible-playbook, emulator over real sockets"}
# Faults that only a real socket can show: an answer late, cut off or never sent; nothing listening; TLS.
SOCKET_FAULTS = frozenset(("delay", "drop", "truncate"))
SOCKET_SETUPS = frozenset(("refused", "tls"))


@dataclass(frozen=True)
class Scenario:
    """One injected fault and what the module must do about it.

    :param key: the row key (also the pytest id).
    :param fault: what goes wrong, in words.
    :param placement: where: an endpoint and "before processing" (nothing done) or "after processing"
        (the trigger was delivered, then the answer went wrong).
    :param faults: emulator fault specs (``EmulatorControl.add_fault`` keyword arguments).
    :param options: module options beyond the webhook id (``timeout`` defaults to TIMEOUT).
    :param special: a setup the fault API cannot express: "refused", "tls", "expire_mid_run", "revoke_mid_run"
        (every token so far expires or is revoked when the lookup arrives, before it is checked),
        "static_token_revoked", "static_token_expired".
    :param ok: True when the task must succeed.
    :param deliveries: how many times the receiver must get the webhook.
    :param retries: how many retry warnings the run must show.
    :param refreshes: how many token-refresh warnings.
    :param attempts: how many trigger-webhook requests must reach the emulator.
    :param msg: text the failure message must contain (what went wrong, and what to do).
    :param warn: text some other warning must contain.
    :param retry_after: the Retry-After the faults send, to check the retry warnings and bound the waits.
    :param status: the ``status_code`` a failed task must return (the envelope's statusCode, else the HTTP status).
    :param why: the reason for the outcome, for the table.
    :param end_to_end: why a fault that HTTP mocked could show is still run through ansible-playbook ("" when
        it is not).
    """

    key: str
    fault: str
    placement: str
    faults: tuple = ()
    options: dict = field(default_factory=dict)
    special: str | None = None
    ok: bool = False
    deliveries: int = 0
    retries: int = 0
    refreshes: int = 0
    attempts: int = 1
    msg: tuple = ()
    warn: tuple = ()
    retry_after: float | None = None
    status: int | None = None
    why: str = ""
    end_to_end: str = ""

    @property
    def layer(self) -> str:
        """PLAYBOOK when only real sockets show the fault, or the scenario is kept end to end on purpose; else
        UNIT: the answer is all the client decides on, and main() with HTTP mocked reaches that decision."""
        needs_sockets = self.special in SOCKET_SETUPS or any(fault["kind"] in SOCKET_FAULTS for fault in self.faults)
        return PLAYBOOK if needs_sockets or self.end_to_end else UNIT

    @property
    def module_options(self) -> dict:
        return dict({"timeout": TIMEOUT}, **self.options)

    @property
    def outcome(self) -> str:
        return "succeeds" if self.ok else "fails"

    def bound(self) -> float:
        """The longest a run may take: every HTTP request waiting its whole timeout (twice, for slack), every
        backoff at its cap (or the Retry-After sent), and ansible-playbook's own start-up."""
        timeout = float(self.module_options["timeout"])
        requests = 2 + self.attempts + self.retries + 3 * self.refreshes + 2  # token, lookup, trigger(s), slack
        waits = sum(self.retry_after if self.retry_after is not None else min(MAX_DELAY, BASE_DELAY * 2 ** k)
                    for k in range(self.retries))
        return requests * 2 * timeout + waits + RUN_SLACK


def _fault(endpoint, kind, **options):
    return dict(endpoint=endpoint, kind=kind, **options)


BEFORE, AFTER = "before processing", "after processing"
NOT_PROCESSED = "the server said it did not process the call, so a retry cannot deliver twice"
AMBIGUOUS = "the call may have been processed; a retry could deliver twice"
SAFE_TO_REPEAT = "a read is safe to repeat, so it is retried even after it may have been processed"
ONE_REFRESH = "a 401 means the call was not processed; a fetched token is refreshed once"
# The few delivery counts kept end to end, so that the receiver, not a mock, says how many deliveries happened.
COUNTED_END_TO_END = "a representative delivery count, made by the real receiver"

SCENARIOS = (
    Scenario("http-503-x2-retry-after", "HTTP 503 with Retry-After: 0, 2 times (retries 3)", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "http_status", status=503, count=2, retry_after="0"),),
             ok=True, deliveries=1, retries=2, attempts=3, retry_after=0.0, why=NOT_PROCESSED,
             end_to_end=COUNTED_END_TO_END),
    Scenario("http-503-x3-backoff", "HTTP 503 without Retry-After, 3 times (retries 3)", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "http_status", status=503, count=3),),
             ok=True, deliveries=1, retries=3, attempts=4, why=NOT_PROCESSED),
    Scenario("http-503-x4-exhausted", "HTTP 503 with Retry-After: 0, 4 times (retries 3)", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "http_status", status=503, count=4, retry_after="0"),),
             deliveries=0, retries=3, attempts=4, retry_after=0.0,
             msg=("GenAuth API error on trigger-webhook", "statusCode 503, HTTP 503", "try again later"),
             status=503, why="retries exhausted; reported, never delivered"),
    Scenario("http-429-retry-after-1", "HTTP 429 with Retry-After: 1, once", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "http_status", status=429, retry_after="1"),),
             ok=True, deliveries=1, retries=1, attempts=2, retry_after=1.0, why=NOT_PROCESSED),
    Scenario("http-429-x2-exhausted", "HTTP 429 without Retry-After, 2 times (retries 1)", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "http_status", status=429, count=2),), options={"retries": 1},
             deliveries=0, retries=1, attempts=2,
             msg=("statusCode 429, HTTP 429", "GenAuth is throttling requests; raise retries or try again later"),
             status=429, why="retries exhausted; reported, never delivered"),
    Scenario("envelope-503", "statusCode 503 inside HTTP 200, once", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "envelope_status", status=503),),
             ok=True, deliveries=1, retries=1, attempts=2, why=NOT_PROCESSED),
    Scenario("envelope-429-x3-exhausted", "statusCode 429 inside HTTP 200, Retry-After: 0, 3 times (retries 2)",
             "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "envelope_status", status=429, count=3, retry_after="0"),), options={"retries": 2},
             deliveries=0, retries=2, attempts=3, retry_after=0.0,
             msg=("GenAuth API error on trigger-webhook", "statusCode 429", "raise retries"),
             status=429, why="retries exhausted; reported, never delivered"),
    Scenario("envelope-429-once", "statusCode 429 inside HTTP 200, Retry-After: 0, once", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "envelope_status", status=429, retry_after="0"),),
             ok=True, deliveries=1, retries=1, attempts=2, retry_after=0.0, why=NOT_PROCESSED),
    Scenario("http-503-after-delivery", "HTTP 503 although the trigger was delivered (a misreporting server)",
             "%s, %s" % (T, AFTER),
             faults=(_fault(T, "http_status", status=503, retry_after="0", phase="after"),),
             ok=True, deliveries=2, retries=1, attempts=2, retry_after=0.0,
             why="503 promises the call was not processed; a server that breaks that promise gets a second "
                 "delivery", end_to_end=COUNTED_END_TO_END),
    Scenario("http-500-before", "HTTP 500", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "http_status", status=500),),
             msg=("statusCode 500, HTTP 500", "GenAuth reported a server error; try again later"), status=500,
             why=AMBIGUOUS),
    Scenario("http-500-after", "HTTP 500", "%s, %s" % (T, AFTER),
             faults=(_fault(T, "http_status", status=500, phase="after"),), deliveries=1,
             msg=("statusCode 500, HTTP 500", "try again later"), status=500, why=AMBIGUOUS),
    Scenario("http-502-after", "HTTP 502", "%s, %s" % (T, AFTER),
             faults=(_fault(T, "http_status", status=502, phase="after"),), deliveries=1,
             msg=("statusCode 502, HTTP 502", "try again later"), status=502, why=AMBIGUOUS,
             end_to_end=COUNTED_END_TO_END),
    Scenario("http-504-after", "HTTP 504", "%s, %s" % (T, AFTER),
             faults=(_fault(T, "http_status", status=504, phase="after"),), deliveries=1,
             msg=("statusCode 504, HTTP 504", "try again later"), status=504, why=AMBIGUOUS),
    Scenario("http-502-with-503-envelope", "HTTP 502 whose body is a statusCode 503 envelope", "%s, %s" % (T, AFTER),
             faults=(_fault(T, "http_status", status=502, phase="after",
                            text='{"statusCode": 503, "message": "upstream unavailable", "requestId": "r-1"}'),),
             deliveries=1, msg=("statusCode 503", "HTTP 502"),
             status=503, why="the real HTTP status decides: a gateway error may hide a processed call"),
    Scenario("envelope-500-after", "statusCode 500 inside HTTP 200", "%s, %s" % (T, AFTER),
             faults=(_fault(T, "envelope_status", status=500, phase="after"),), deliveries=1,
             msg=("GenAuth API error on trigger-webhook", "statusCode 500",
                  "contact GenAuth support with the requestId"),
             status=500, why=AMBIGUOUS),
    Scenario("slow-trigger", "answer 3 s late (timeout 1)", "%s, %s" % (T, AFTER),
             faults=(_fault(T, "delay", delay=3, phase="after"),), options={"timeout": 1}, deliveries=1,
             msg=("no answer within 1 s (timeout)", "was not retried", "raise timeout"), why=AMBIGUOUS),
    Scenario("slow-lookup", "answer 3 s late (timeout 1), once", "%s, %s" % (LOOKUP, BEFORE),
             faults=(_fault(LOOKUP, "delay", delay=3),), options={"timeout": 1}, ok=True, deliveries=1, retries=1,
             why=SAFE_TO_REPEAT),
    Scenario("slow-lookup-exhausted", "answer 3 s late (timeout 1), 2 times (retries 1)", "%s, %s" % (LOOKUP, BEFORE),
             faults=(_fault(LOOKUP, "delay", delay=3, count=2),), options={"timeout": 1, "retries": 1}, retries=1,
             attempts=0, msg=("GenAuth get-webhook", "no answer within 1 s (timeout)", "safe to repeat"),
             why="retries exhausted on the lookup, so the trigger was never sent"),
    Scenario("lookup-502", "HTTP 502, once", "%s, %s" % (LOOKUP, AFTER),
             faults=(_fault(LOOKUP, "http_status", status=502, phase="after"),), ok=True, deliveries=1, retries=1,
             why=SAFE_TO_REPEAT),
    Scenario("lookup-drop", "connection closed without an answer, once", "%s, %s" % (LOOKUP, AFTER),
             faults=(_fault(LOOKUP, "drop", phase="after"),), ok=True, deliveries=1, retries=1, why=SAFE_TO_REPEAT),
    Scenario("connection-refused", "connection refused (nothing listens; retries 2)", "the whole API",
             special="refused", options={"retries": 2}, retries=2, attempts=0,
             msg=("Could not connect to", "Check host"),
             why="no connection was made, so nothing was sent and a retry is safe"),
    Scenario("drop-before", "connection closed without an answer", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "drop"),),
             msg=("the connection broke before the answer arrived", "was not retried"),
             why="the client cannot tell before from after: " + AMBIGUOUS),
    Scenario("drop-after", "connection closed without an answer", "%s, %s" % (T, AFTER),
             faults=(_fault(T, "drop", phase="after"),), deliveries=1,
             msg=("the connection broke before the answer arrived", "check whether it took effect"), why=AMBIGUOUS),
    Scenario("truncated-answer", "connection closed mid-response (half the body)", "%s, %s" % (T, AFTER),
             faults=(_fault(T, "truncate", phase="after"),), deliveries=1,
             msg=("the connection broke before the answer arrived", "was not retried"), why=AMBIGUOUS),
    Scenario("html-502", "HTML gateway page, HTTP 502", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "html", status=502),),
             msg=("failed with HTTP 502 Bad Gateway", "<html>", "try again later"), status=502, why=AMBIGUOUS),
    Scenario("html-503", "HTML gateway page, HTTP 503, once", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "html", status=503),), ok=True, deliveries=1, retries=1, attempts=2,
             why=NOT_PROCESSED),
    Scenario("invalid-json", "HTTP 200 with a body that is not JSON", "%s, %s" % (T, AFTER),
             faults=(_fault(T, "invalid_json", phase="after"),), deliveries=1,
             msg=("with a body that is not JSON", "Check that host points at the GenAuth Management API"),
             status=200, why=AMBIGUOUS),
    Scenario("token-endpoint-500", "HTTP 500 from the token endpoint", "%s, %s" % (TOKEN, BEFORE),
             faults=(_fault(TOKEN, "http_status", status=500),), attempts=0,
             msg=("GenAuth API error on get-management-token", "statusCode 500, HTTP 500", "try again later"),
             status=500, why="no token, so nothing was triggered"),
    Scenario("token-endpoint-503", "HTTP 503 from the token endpoint, once", "%s, %s" % (TOKEN, BEFORE),
             faults=(_fault(TOKEN, "http_status", status=503, retry_after="0"),), ok=True, deliveries=1,
             retries=1, retry_after=0.0, why=NOT_PROCESSED),
    Scenario("token-endpoint-drop", "token request's connection closed without an answer, once",
             "%s, %s" % (TOKEN, AFTER), faults=(_fault(TOKEN, "drop", phase="after"),), ok=True, deliveries=1,
             retries=1, why="the token request is safe to repeat: a token whose answer was lost is never used"),
    Scenario("token-rejected-once", "statusCode 401 (token rejected), once", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "envelope_status", status=401),), ok=True, deliveries=1, refreshes=1, attempts=2,
             why=ONE_REFRESH),
    Scenario("token-rejected-twice", "HTTP 401 (token rejected), twice", "%s, %s" % (T, BEFORE),
             faults=(_fault(T, "http_401", count=2),), refreshes=1, attempts=2,
             msg=("GenAuth API error on trigger-webhook", "statusCode 401", "Check the credentials"),
             status=401, why="refreshed once only, then reported"),
    Scenario("token-expired-mid-run", "every token expires while the lookup runs", "%s, %s" % (LOOKUP, BEFORE),
             special="expire_mid_run", ok=True, deliveries=1, refreshes=1, why=ONE_REFRESH),
    Scenario("token-revoked-mid-run", "every token is revoked while the lookup runs", "%s, %s" % (LOOKUP, BEFORE),
             special="revoke_mid_run", ok=True, deliveries=1, refreshes=1, why=ONE_REFRESH),
    Scenario("static-token-revoked", "access_token given by the task, revoked", "the whole API",
             special="static_token_revoked", attempts=0,
             msg=("statusCode 401", "The access_token was rejected (expired or revoked?)", "issue a new one"),
             status=401, why="a token the module did not fetch cannot be refreshed"),
    Scenario("static-token-expired", "access_token given by the task, expired", "the whole API",
             special="static_token_expired", attempts=0, status=401,
             msg=("statusCode 401", "The access_token was rejected (expired or revoked?)", "issue a new one"),
             why="a token the module did not fetch cannot be refreshed"),
    Scenario("tls-unknown-ca", "HTTPS with a certificate from an unknown CA (defaults)", "TLS handshake",
             special="tls", attempts=0, msg=("TLS failure talking to", "set ca_path to its CA bundle"),
             why="certificates are verified by default"),
    Scenario("tls-wrong-ca", "HTTPS with a private CA, ca_path set to another CA", "TLS handshake", special="tls",
             options={"ca_path": "{other_ca_path}"}, attempts=0, msg=("TLS failure talking to",),
             why="a certificate that ca_path does not vouch for is refused"),
    Scenario("tls-ca-path", "HTTPS with a private CA, ca_path set", "TLS handshake", special="tls",
             options={"ca_path": "{ca_path}"}, ok=True, deliveries=1, why="verified against ca_path"),
    Scenario("tls-no-verify", "HTTPS with an unknown CA, validate_certs: false", "TLS handshake", special="tls",
             options={"validate_certs": False}, ok=True, deliveries=1,
             warn=("validate_certs is false", "Use ca_path for a private CA instead"),
             why="verification off, with a warning"),
)

SCENARIO_KEYS = tuple(scenario.key for scenario in SCENARIOS)
assert len(set(SCENARIO_KEYS)) == len(SCENARIO_KEYS), "scenario keys must be unique"
UNIT_SCENARIOS = tuple(scenario for scenario in SCENARIOS if scenario.layer == UNIT)
PLAYBOOK_SCENARIOS = tuple(scenario for scenario in SCENARIOS if scenario.layer == PLAYBOOK)

# The property-based tests whose example counts go into the table (test id -> what it feeds).
FUZZ_TESTS = {
    "validation-options": "build_schema/validate with arbitrary option values",
    "validation-headers": "request_headers with arbitrary names and values",
    "validation-body": "request_body with arbitrary JSON values and strings",
    "validation-webhooks": "webhooks lists of arbitrary items, and concurrency",
    "module-invalid-input": "the module's main() with one invalid option, HTTP mocked",
    "module-any-input": "the module's main() with arbitrary option values, HTTP mocked",
}
LOAD_KEY = "load"

# ---------------------------------------------------------------------------- what every scenario must show

RETRY_WARNING = re.compile(r"^GenAuth (?P<endpoint>[\w-]+)(?: for webhook \S+)?: retry (?P<n>\d+) of (?P<of>\d+) "
                           r"in (?P<wait>[\d.]+) s after: (?P<why>.+)$")
REFRESH_WARNING = "rejected the management token (statusCode 401); fetched a new token; repeating the call once"


@dataclass(frozen=True)
class Observed:
    """What one run of a scenario showed, at either layer.

    :param result: the task's result: the registered variable, or the JSON main() printed.
    :param exit_code: ansible-playbook's, or main()'s.
    :param text: all the run printed and returned, searched for a traceback.
    :param warnings: the run's warnings, one text each.
    :param deliveries: how many times the webhook was delivered with this scenario's body.
    :param attempts: how many trigger-webhook requests the server answered, or None when nothing listened.
    :param seconds: the run's wall time, or None when HTTP was mocked and no time passed.
    :param context: what to show beside a failed assertion (the end of the output).
    """

    result: dict | None
    exit_code: int
    text: str
    warnings: list
    deliveries: int
    attempts: int | None
    seconds: float | None = None
    context: str = ""


def check(scenario: Scenario, seen: Observed) -> None:
    """Record the figures of one run, then assert all that ``scenario`` promises. The one statement of those
    promises: the unit test and the fault matrix both end with this call."""
    result, context = seen.result, seen.context
    retries = [warning for warning in seen.warnings if RETRY_WARNING.match(warning)]
    refreshes = [warning for warning in seen.warnings if REFRESH_WARNING in warning]
    record_fault(scenario.key, ok=not (result or {}).get("failed"), deliveries=seen.deliveries, retries=len(retries),
                 seconds=seen.seconds)

    assert result is not None, context
    # ansible-core 2.19 adds "exception": "(traceback unavailable)" to failures at -vvv and above.
    assert "Traceback" not in seen.text, context
    if scenario.ok:
        assert seen.exit_code == 0 and not result.get("failed") and result["changed"] is True, context
        assert result["status_code"] == 200 and result["response"]["received"] is True, result
    else:
        assert result.get("failed") is True, context
        msg = result["msg"]
        assert not msg.startswith("Unexpected"), msg
        for part in scenario.msg:
            assert part in msg, "%r not in %r" % (part, msg)
        # A failure returns the fields a rescue block branches on; an envelope error also its requestId.
        assert result.get("status_code") == scenario.status, result
        if any(fault["kind"] == "envelope_status" for fault in scenario.faults):
            assert result.get("request_id"), result

    assert seen.deliveries == scenario.deliveries, context
    if seen.attempts is not None:
        assert seen.attempts == scenario.attempts, context

    assert len(retries) == scenario.retries, seen.warnings
    for number, warning in enumerate(retries, 1):
        parts = RETRY_WARNING.match(warning).groupdict()
        assert int(parts["n"]) == number, warning
        assert int(parts["of"]) == scenario.module_options.get("retries", DEFAULT_RETRIES), warning
        if scenario.retry_after is not None:
            assert float(parts["wait"]) == scenario.retry_after, warning
        else:
            assert float(parts["wait"]) <= min(MAX_DELAY, BASE_DELAY * 2 ** (number - 1)), warning
        assert parts["why"], warning
    assert len(refreshes) == scenario.refreshes, seen.warnings
    for text in scenario.warn:
        assert any(text in warning for warning in seen.warnings), seen.warnings
    if not scenario.warn:
        assert not [w for w in seen.warnings if w not in retries and w not in refreshes], seen.warnings

    if seen.seconds is not None:
        assert seen.seconds < scenario.bound(), "took %.1f s, bound %.1f s" % (seen.seconds, scenario.bound())


# ---------------------------------------------------------------------------- measurements

_LOCK = threading.Lock()
RESULTS: dict = {"faults": {}, "fuzz": {}, "load": None, "scanned": 0, "scanned_vvvv": 0, "scanned_targets": None}


def record_fault(key: str, **figures) -> None:
    with _LOCK:
        RESULTS["faults"][key] = figures


def record_fuzz(key: str, examples: int) -> None:
    with _LOCK:
        RESULTS["fuzz"][key] = RESULTS["fuzz"].get(key, 0) + examples


def record_load(**figures) -> None:
    with _LOCK:
        RESULTS["load"] = figures


def record_scan(verbosity: int, runs: int = 1) -> None:
    with _LOCK:
        RESULTS["scanned"] += runs
        if verbosity >= 4:
            RESULTS["scanned_vvvv"] += runs


def record_target_scan(runs: int) -> None:
    """The ansible-test integration targets' ansible-playbook runs, all at -vvvv, scanned by the harness (each
    run of the targets adds its own: they run with the modules in the controller's process and as processes)."""
    record_scan(4, runs)
    with _LOCK:
        RESULTS["scanned_targets"] = (RESULTS["scanned_targets"] or 0) + runs


def complete() -> bool:
    """True when every scenario, every fuzz test and the load test recorded a measurement."""
    return (set(RESULTS["faults"]) == set(SCENARIO_KEYS) and set(RESULTS["fuzz"]) == set(FUZZ_TESTS)
            and RESULTS["load"] is not None and RESULTS["scanned_targets"] is not None)


# ---------------------------------------------------------------------------- the generated table

FAULT_HEADER = ("Scenario", "Fault", "Where", "Expected", "Deliveries", "Retries", "Token refreshes", "Why",
                "Checked by", "Measured")


def _cell(text) -> str:
    """Plain text as the reStructuredText of one table cell: inline markup characters escaped, and a start that
    would open a list (the ``-`` of a figure not measured) escaped too, so the text is shown as it is."""
    text = re.sub(r"([\\*`|])", r"\\\1", str(text).replace("\n", " "))
    text = re.sub(r"(?<=\w)_(?=\W|$)", r"\\_", text)  # name_ would be a link
    if re.match(r"([-+*](\s|$)|#\.|\d+[.)](\s|$)|\(\d+\)(\s|$))", text):
        text = "\\" + text
    return text


def fault_rows(measured: dict | None = None) -> list:
    """One row per scenario, each cell as the table's reStructuredText; every column but the last comes from
    SCENARIOS alone."""
    rows = []
    for scenario in SCENARIOS:
        figures = (measured or {}).get(scenario.key)
        rows.append(("``%s``" % scenario.key,) + tuple(_cell(cell) for cell in (
            scenario.fault, scenario.placement, scenario.outcome, scenario.deliveries, scenario.retries,
            scenario.refreshes, scenario.why, LAYERS[scenario.layer], _measured(figures))))
    return rows


def _measured(figures: dict | None) -> str:
    """What a run showed; a run with HTTP mocked takes no time worth stating, and says so."""
    if not figures:
        return "not run"
    took = "no wall time (HTTP mocked)" if figures["seconds"] is None else "%.1f s" % figures["seconds"]
    return "%s; delivered %d; retries %d; %s" % (
        "succeeded" if figures["ok"] else "failed", figures["deliveries"], figures["retries"], took)


def summary_rows(results: dict) -> list:
    """The figures, each cell as the table's reStructuredText."""
    return [tuple(_cell(cell) for cell in row) for row in _summary(results)]


def _summary(results: dict) -> list:
    faults = results["faults"]
    lost = sum(max(0, SCENARIOS_BY_KEY[key].deliveries - figures["deliveries"]) for key, figures in faults.items())
    doubled = sum(max(0, figures["deliveries"] - SCENARIOS_BY_KEY[key].deliveries) for key, figures in faults.items())
    load = results["load"] or {}
    fuzz_total = sum(results["fuzz"].values())
    return [
        ("Faults injected", "%d scenarios, %d failing and %d succeeding as specified"
         % (len(faults), sum(1 for f in faults.values() if not f["ok"]), sum(1 for f in faults.values() if f["ok"]))),
        ("Deliveries lost or doubled against the policy", "%d lost, %d doubled" % (lost, doubled)),
        ("Inputs tried by property-based tests", "%d (%s)" % (
            fuzz_total, ", ".join("%s %d" % (key, results["fuzz"][key])
                                  for key in FUZZ_TESTS if key in results["fuzz"]))),
        ("Inputs refused that sent anything", "0 (every test asserts that nothing was sent)"),
        ("ansible-playbook runs scanned for secrets", "%d, %d of them at -vvvv (%s of them the ansible-test targets')"
         % (results["scanned"], results["scanned_vvvv"],
            "-" if results["scanned_targets"] is None else results["scanned_targets"])),
        ("Load: triggers", "%s over %s concurrent ansible-playbook runs x %s hosts (forks %s) x %s triggers each" % (
            load.get("total", "-"), load.get("playbooks", "-"), load.get("hosts", "-"), load.get("forks", "-"),
            load.get("per_host", "-"))),
        ("Load: delivered exactly once", "%s of %s (lost %s, doubled %s, failed tasks %s)" % (
            load.get("unique", "-"), load.get("total", "-"), load.get("lost", "-"), load.get("doubled", "-"),
            load.get("failed", "-"))),
        ("Load: wall time", "%.1f s" % load["seconds"] if "seconds" in load else "-"),
    ]


SCENARIOS_BY_KEY = dict((scenario.key, scenario) for scenario in SCENARIOS)
SUMMARY_KEYS = tuple(row[0] for row in summary_rows({"faults": {}, "fuzz": {}, "load": None,
                                                    "scanned": 0, "scanned_vvvv": 0, "scanned_targets": None}))


def _table(header, rows) -> str:
    """A list-table of cells that are reStructuredText already (the header's are plain words)."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [tuple(header)] + list(rows):
        lines += ["   * - %s" % row[0]] + ["     - %s" % cell for cell in row[1:]]
    return "\n".join(lines)


def render(results: dict) -> str:
    return "\n".join([
        BEGIN,
        ".. Rewritten by ``make guarantees`` when every measuring test runs and passes (tests/guarantees.py).",
        "",
        _table(("Figure", "Value"), summary_rows(results)),
        "",
        _table(FAULT_HEADER, fault_rows(results["faults"])),
        "",
        END,
    ])


def parse_tables(text: str) -> list:
    """The list-tables of the generated block, as lists of rows of cells (header first), each cell as its
    reStructuredText."""
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    tables, current = [], None
    for line in block.splitlines():
        if line.startswith(".. list-table::"):
            current = []
            tables.append(current)
        elif line.startswith("   * - "):
            current.append([line[len("   * - "):]])
        elif line.startswith("     - "):
            current[-1].append(line[len("     - "):])
    return [[tuple(row) for row in table] for table in tables]


def why_incomplete(exitstatus: int) -> str:
    """Why write_if_complete() would not write: a failed run, or what did not measure its figure."""
    if exitstatus != 0:
        return "the run did not pass"
    missing = sorted(set(SCENARIO_KEYS) - set(RESULTS["faults"])) + sorted(set(FUZZ_TESTS) - set(RESULTS["fuzz"]))
    if RESULTS["load"] is None:
        missing.append(LOAD_KEY)
    if RESULTS["scanned_targets"] is None:
        missing.append("the ansible-test targets' secret scan")
    return "not measured: %s" % ", ".join(missing) if missing else "%s lacks its generated block" % os.path.relpath(
        DOC_PATH, REPO_ROOT)


def write_if_complete(exitstatus: int) -> bool:
    """Rewrite the generated block of the guarantees page when the full set ran and passed."""
    if exitstatus != 0 or not complete():
        return False
    with open(DOC_PATH, encoding="utf-8") as handle:
        text = handle.read()
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(DOC_PATH, "w", encoding="utf-8") as handle:
        handle.write(head + render(RESULTS) + tail)
    return True

"""The fault matrix: every fault of tests/guarantees.py injected into a real ansible-playbook run.

For each scenario: the outcome (success, or a failure whose msg says what went wrong and what to do, and no
traceback), exactly how many deliveries the webhook receiver got, how many trigger requests reached the
emulator, the retry and token-refresh warnings, and that the run ended within a bound derived from the
timeout, the retries and the backoff caps. The conftest scans every run for secrets as well.
"""

import re
import threading
import time

import pytest

from tests import guarantees
from tests.emulator.harness import closed_port
from tests.guarantees import SCENARIOS

RETRY_WARNING = re.compile(r"^GenAuth (?P<endpoint>[\w-]+)(?: for webhook \S+)?: retry (?P<n>\d+) of (?P<of>\d+) in (?P<wait>[\d.]+) s after: (?P<why>.+)$")
REFRESH_WARNING = "rejected the management token (statusCode 401); fetched a new token; repeating the call once"


def _while_the_lookup_waits(servers, action, limit=30.0):
    """Expire or revoke every token once the lookup has taken its delay fault (it is then sleeping, its token
    not yet checked)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not servers.emulator.requests("get-management-token"):
        time.sleep(0.02)
    while time.monotonic() < deadline and servers.emulator.faults():
        time.sleep(0.02)
    action()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.key for scenario in SCENARIOS])
def test_fault(request, scenario):
    runner = request.getfixturevalue("tls_ansible" if scenario.special == "tls" else "ansible")
    servers = runner.servers
    options = dict((name, value.format(ca_path=servers.ca_path, other_ca_path=servers.other_ca_path)
                    if isinstance(value, str) else value) for name, value in scenario.module_options.items())
    options["request_body"] = {"scenario": scenario.key}
    env = None
    helper = None
    if scenario.special == "refused":
        options["genauth_host"] = "http://127.0.0.1:%d" % closed_port()
    elif scenario.special in ("static_token_revoked", "static_token_expired"):
        options["access_token"] = servers.emulator.management_token(servers.access_key_id, servers.access_key_secret)
        if scenario.special == "static_token_revoked":
            servers.emulator.revoke_tokens()
        else:
            servers.emulator.expire_tokens()
        servers.emulator.reset()  # forget the test's own token request
        env = {"GENAUTH_ACCESS_KEY_ID": None, "GENAUTH_ACCESS_KEY_SECRET": None}
    for fault in scenario.faults:
        servers.emulator.add_fault(**fault)
    mid_run = {"expire_mid_run": servers.emulator.expire_tokens, "revoke_mid_run": servers.emulator.revoke_tokens}
    if scenario.special in mid_run:
        helper = threading.Thread(target=_while_the_lookup_waits, args=(servers, mid_run[scenario.special]))
        helper.start()

    started = time.monotonic()
    run = runner.trigger(extra_vars=options, env=env)
    seconds = time.monotonic() - started
    if helper:
        helper.join()

    result = run.result
    deliveries = [d for d in servers.receiver.deliveries() if (d.get("json") or {}).get("scenario") == scenario.key]
    # trigger.yml passes options as variables named timeout and retries, which Ansible warns about.
    warnings = [w for w in run.warnings() if "Found variable using reserved name" not in w]
    retries = [w for w in warnings if RETRY_WARNING.match(w)]
    refreshes = [w for w in warnings if REFRESH_WARNING in w]
    guarantees.record_fault(scenario.key, ok=not result.get("failed"), deliveries=len(deliveries),
                            retries=len(retries), seconds=seconds)

    assert result is not None, run.output[-3000:]
    # ansible-core 2.19 adds "exception": "(traceback unavailable)" to failures at -vvv and above.
    assert "Traceback" not in run.output and "Traceback" not in run.result_text, run.output[-3000:]
    if scenario.ok:
        assert run.rc == 0 and not result.get("failed") and result["changed"] is True, run.output[-3000:]
        assert result["status_code"] == 200 and result["response"]["received"] is True
    else:
        assert result.get("failed") is True, run.output[-3000:]
        msg = result["msg"]
        assert not msg.startswith("Unexpected"), msg
        for part in scenario.msg:
            assert part in msg, "%r not in %r" % (part, msg)
        # A failure returns the fields a rescue block branches on; an envelope error also its requestId.
        assert result.get("status_code") == scenario.status, result
        if any(fault["kind"] == "envelope_status" for fault in scenario.faults):
            assert result.get("request_id"), result

    assert len(deliveries) == scenario.deliveries, run.output[-3000:]
    assert len(servers.receiver.deliveries()) == scenario.deliveries
    if scenario.special != "refused":
        # The emulator logs a request once it has answered; a delayed answer is logged after the client gave up.
        slowest = max([fault.get("delay", 0) for fault in scenario.faults] or [0])
        deadline = time.monotonic() + slowest + 10
        while (len(servers.emulator.requests("trigger-webhook")) < scenario.attempts
               and time.monotonic() < deadline):
            time.sleep(0.1)
        assert len(servers.emulator.requests("trigger-webhook")) == scenario.attempts, run.output[-3000:]

    assert len(retries) == scenario.retries, warnings
    for number, warning in enumerate(retries, 1):
        parts = RETRY_WARNING.match(warning).groupdict()
        assert int(parts["n"]) == number and int(parts["of"]) == scenario.module_options.get("retries", guarantees.DEFAULT_RETRIES)
        if scenario.retry_after is not None:
            assert float(parts["wait"]) == scenario.retry_after
        else:
            assert float(parts["wait"]) <= min(guarantees.MAX_DELAY, guarantees.BASE_DELAY * 2 ** (number - 1))
        assert parts["why"], warning
    assert len(refreshes) == scenario.refreshes, warnings
    for text in scenario.warn:
        assert any(text in warning for warning in warnings), warnings
    if not scenario.warn:
        assert not [w for w in warnings if w not in retries and w not in refreshes], warnings

    assert seconds < scenario.bound(), "took %.1f s, bound %.1f s" % (seconds, scenario.bound())

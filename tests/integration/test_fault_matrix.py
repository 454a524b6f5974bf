"""The fault matrix: the faults of tests/guarantees.py that need a real run, injected into ansible-playbook
against the emulator over real sockets.

These are the scenarios whose layer is "playbook": answers that come late, break off or never come, nothing
listening, TLS, and a few delivery counts kept end to end so that the webhook receiver itself says how many
deliveries happened. Every other fault is an HTTP answer, and tests/unit/plugins/modules/test_fault_scenarios.py
checks the client's answer to it. Both layers hand what they saw to ``guarantees.check()``: the outcome (success,
or a failure whose msg says what went wrong and what to do, and no traceback), the deliveries, the trigger
requests, the retry and token-refresh warnings; here also that the run ended within a bound derived from the
timeout, the retries and the backoff caps. The conftest scans every run for secrets as well.
"""

import time

import pytest

from tests import guarantees
from tests.emulator.harness import closed_port
from tests.guarantees import PLAYBOOK_SCENARIOS


def _trigger_requests(servers, scenario):
    """The trigger-webhook requests the emulator answered. It logs a request once it has answered, so a delayed
    answer is logged after the client gave up: wait for the expected count, at most the delay and some slack."""
    slowest = max([fault.get("delay", 0) for fault in scenario.faults] or [0])
    deadline = time.monotonic() + slowest + 10
    while len(servers.emulator.requests("trigger-webhook")) < scenario.attempts and time.monotonic() < deadline:
        time.sleep(0.1)
    return len(servers.emulator.requests("trigger-webhook"))


@pytest.mark.parametrize("scenario", PLAYBOOK_SCENARIOS, ids=[scenario.key for scenario in PLAYBOOK_SCENARIOS])
def test_fault(request, scenario):
    runner = request.getfixturevalue("tls_ansible" if scenario.special == "tls" else "ansible")
    servers = runner.servers
    options = dict((name, value.format(ca_path=servers.ca_path, other_ca_path=servers.other_ca_path)
                    if isinstance(value, str) else value) for name, value in scenario.module_options.items())
    options["request_body"] = {"scenario": scenario.key}
    if scenario.special == "refused":
        options["genauth_host"] = "http://127.0.0.1:%d" % closed_port()
    for fault in scenario.faults:
        servers.emulator.add_fault(**fault)

    started = time.monotonic()
    run = runner.trigger(extra_vars=options)
    seconds = time.monotonic() - started

    deliveries = [d for d in servers.receiver.deliveries() if (d.get("json") or {}).get("scenario") == scenario.key]
    # trigger.yml passes options as variables named timeout and retries, which Ansible warns about.
    warnings = [w for w in run.warnings() if "Found variable using reserved name" not in w]
    attempts = None if scenario.special == "refused" else _trigger_requests(servers, scenario)
    guarantees.check(scenario, guarantees.Observed(
        result=run.result, exit_code=run.rc, text=run.output + run.result_text, warnings=warnings,
        deliveries=len(deliveries), attempts=attempts, seconds=seconds, context=run.output[-3000:]))
    # The receiver got nothing but this scenario's deliveries.
    assert len(servers.receiver.deliveries()) == len(deliveries), run.output[-3000:]

"""The client's answer to each fault that is an HTTP answer: the trigger module's main(), HTTP mocked with responses.

Every scenario of tests/guarantees.py whose layer is "unit" runs here; the ones that need real sockets (late,
cut or missing answers, a refused connection, TLS) and a few delivery counts run through ansible-playbook in
tests/integration/test_fault_matrix.py. Both hand what they saw to ``guarantees.check()``.

The mocked API answers as the emulator does because it is the emulator's own request handling (``_answer``: the
scenario's faults, the bearer check, the endpoint functions, its ``Store`` and ``TokenIssuer``) without a socket.
Only the delivery is counted instead of sent. It counts as the emulator does: every trigger-webhook request is
an attempt, and one that was processed (answered with success, or with a fault of phase "after") is a delivery.
The retry sleep is recorded instead of slept, and each wait must be the one its warning announced. What the module
returns is searched for every secret, as the integration tests search every playbook run.
"""

import functools
import urllib.parse

import pytest

from ansible_collections.genauth.management.plugins.module_utils import _client
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_trigger
from ansible_collections.genauth.management.tests.unit.helpers import API, HOST, run_module, warnings_of

from tests import guarantees
from tests.emulator import genauth_emulator
from tests.emulator.genauth_emulator import EmulatorHandler, Fault, Store, TokenIssuer

KEY_ID, KEY_SECRET = "pool-faults", "key-secret-Vt58"
WEBHOOK_ID, WEBHOOK_SECRET = "wh-faults", "whsec-Lm40"
SEED = {"userpools": [{"id": KEY_ID, "accessKeySecret": KEY_SECRET}],
        "webhooks": [{"userpoolId": KEY_ID, "webhookId": WEBHOOK_ID, "name": "deploys",
                      "url": "http://127.0.0.1:9/hooks/deploy", "secret": WEBHOOK_SECRET}]}
# What every token so far becomes when the scenario's lookup arrives.
MID_RUN = {"expire_mid_run": TokenIssuer.EXPIRED, "revoke_mid_run": TokenIssuer.REVOKED}
# What the access_token the task gives has become before the task runs.
STATIC_TOKEN = {"static_token_expired": TokenIssuer.EXPIRED, "static_token_revoked": TokenIssuer.REVOKED}


def http_answer(reply):
    """An emulator ``Reply`` as responses sends it: its status, the headers the emulator writes, its body."""
    assert reply is not None and not reply.truncate, "only a real socket can drop or cut an answer"
    headers = dict({"Content-Type": reply.content_type, "Content-Length": str(len(reply.body))}, **reply.headers)
    return reply.status, headers, reply.body


class MockedEmulator(object):
    """The emulator's answers to the trigger module's calls, at the requests level, with the scenario's faults;
    what it counted is in ``attempts`` and ``deliveries``."""

    def __init__(self, mocked, monkeypatch, scenario):
        self.store = Store(SEED, log_file=None, api_latency=0, token_ttl=7200, delivery_timeout=0)
        self.store.faults.extend(Fault.from_request(spec) for spec in scenario.faults)
        self.mid_run = MID_RUN.get(scenario.special)
        self.attempts = 0
        self.deliveries = []
        monkeypatch.setattr(genauth_emulator, "deliver", self.deliver)
        for name in (guarantees.TOKEN, guarantees.LOOKUP, guarantees.T):
            mocked.add_callback(genauth_emulator.ENDPOINTS[name].method, API + name,
                                callback=functools.partial(self.answer, name), content_type=None)

    def given_token(self, state):
        """A token as a task would give it: issued by this emulator, then expired or revoked."""
        token = self.store.issuer.issue(KEY_ID)
        self.store.issuer.mark_all(state)
        return token

    def answer(self, name, request):
        """The emulator's own answer (its ``_answer``: faults, bearer check, endpoint), without a socket."""
        if name == guarantees.T:
            self.attempts += 1
        if name == guarantees.LOOKUP and self.mid_run:
            self.store.issuer.mark_all(self.mid_run)  # while the lookup runs, before its token is checked
            self.mid_run = None
        url = urllib.parse.urlsplit(request.url)
        handler = EmulatorHandler.__new__(EmulatorHandler)
        handler.store, handler.command, handler.path, handler.headers = (
            self.store, request.method, url.path, request.headers)
        body = request.body or b""
        return http_answer(handler._answer(name, url.query, body.encode() if isinstance(body, str) else body))

    def deliver(self, store, webhook, headers, body):
        """The emulator's delivery, counted instead of sent, answered as the webhook receiver does."""
        self.deliveries.append(body)
        return {"received": True, "delivery": len(self.deliveries)}


@pytest.fixture
def slept(monkeypatch):
    """The retry waits, recorded instead of slept."""
    waits = []
    original = _client.GenAuthClient.__init__

    def without_sleeping(self, *args, **kwargs):
        original(self, *args, **dict(kwargs, sleep=waits.append))

    monkeypatch.setattr(_client.GenAuthClient, "__init__", without_sleeping)
    return waits


@pytest.mark.parametrize("scenario", guarantees.UNIT_SCENARIOS, ids=[s.key for s in guarantees.UNIT_SCENARIOS])
def test_fault(scenario, mocked, slept, monkeypatch):
    for name in ("GENAUTH_ACCESS_KEY_ID", "GENAUTH_ACCESS_KEY_SECRET", "GENAUTH_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    emulator = MockedEmulator(mocked, monkeypatch, scenario)
    options = dict(scenario.module_options, host=HOST, webhook_id=WEBHOOK_ID, request_body={"scenario": scenario.key})
    if scenario.special in STATIC_TOKEN:
        options["access_token"] = emulator.given_token(STATIC_TOKEN[scenario.special])
    else:
        options.update(access_key_id=KEY_ID, access_key_secret=KEY_SECRET)

    code, result, out = run_module(genauth_webhook_trigger, options)
    warnings = warnings_of(result)

    guarantees.check(scenario, guarantees.Observed(
        result=result, exit_code=code, text=out, warnings=warnings,
        deliveries=emulator.deliveries.count({"scenario": scenario.key}), attempts=emulator.attempts, context=out))
    # As the integration conftest scans every playbook run: no secret in what the module returned.
    assert not [secret for secret in [KEY_SECRET, WEBHOOK_SECRET] + emulator.store.issuer.issued if secret in out]
    announced = [match.group("wait") for match in map(guarantees.RETRY_WARNING.match, warnings) if match]
    assert ["%.1f" % wait for wait in slept] == announced, warnings

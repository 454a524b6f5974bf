"""The client's answer to each fault that is an HTTP answer: the trigger module's main(), HTTP mocked with responses.

Every scenario of tests/guarantees.py whose layer is "unit" runs here; the ones that need real sockets (late,
cut or missing answers, a refused connection, TLS) and a few delivery counts run through ansible-playbook in
tests/integration/test_fault_matrix.py. Both hand what they saw to ``guarantees.check()``.

The mocked API answers as the emulator does because it is built from the emulator's own parts, not a copy of
them: its ``Fault`` answers each fault spec (status, Retry-After, error envelope, HTML page, body), its
``TokenIssuer`` issues and checks tokens (an expired or revoked one draws its 401 envelope), its ``Store`` holds
the webhook and hands out the faults in order, and its bearer check and endpoint functions process the calls.
Only the delivery is counted instead of sent. It counts as the emulator does: every trigger-webhook request is
an attempt, and one that was processed (answered with success, or with a fault of phase "after") is a delivery.
The retry sleep is recorded instead of slept, and each wait must be the one its warning announced. What the module
returns is searched for every secret, as the integration tests search every playbook run.
"""

import functools
import json
import types
import urllib.parse

import pytest

from ansible_collections.genauth.management.plugins.module_utils import _client
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_trigger
from ansible_collections.genauth.management.tests.unit.helpers import API, HOST, run_module, warnings_of

from tests import guarantees
from tests.emulator.genauth_emulator import (
    ENDPOINTS, ApiError, Context, EmulatorHandler, Fault, Store, TokenIssuer, ep_get_management_token,
    ep_get_webhook, json_reply, reject_unknown_fields, success_envelope,
)

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
    """The emulator's answers to the trigger module's three calls, at the requests level, with the scenario's
    faults; what it counted is in ``attempts`` and ``deliveries``."""

    def __init__(self, mocked, scenario):
        self.store = Store(SEED)
        self.issuer = TokenIssuer(ttl=7200)
        for spec in scenario.faults:
            self.store.add_fault(Fault.from_request(spec))
        self.mid_run = MID_RUN.get(scenario.special)
        self.attempts = 0
        self.deliveries = []
        for name in (guarantees.TOKEN, guarantees.LOOKUP, guarantees.T):
            mocked.add_callback(ENDPOINTS[name].method, API + name, callback=functools.partial(self.answer, name),
                                content_type=None)

    def given_token(self, state):
        """A token as a task would give it: issued by this emulator, then expired or revoked."""
        token = self.issuer.issue(KEY_ID)
        self.issuer.mark_all(state)
        return token

    def answer(self, name, request):
        """As the emulator's ``_api``: a fault of phase "before" answers instead of the call, one of phase
        "after" once the call was processed."""
        if name == guarantees.T:
            self.attempts += 1
        if name == guarantees.LOOKUP and self.mid_run:
            self.issuer.mark_all(self.mid_run)  # while the lookup runs, before its token is checked
            self.mid_run = None
        fault = self.store.take_fault(name)
        if fault and fault.phase == "before":
            return http_answer(fault.reply())
        reply = self.process(name, request)
        if fault and fault.phase == "after":
            return http_answer(fault.reply())
        return http_answer(reply)

    def process(self, name, request):
        """As the emulator's ``_process``, with the delivery counted instead of sent."""
        endpoint = ENDPOINTS[name]
        try:
            pool = self.authenticate(request) if endpoint.auth else None
            if endpoint.method == "GET":
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query, keep_blank_values=True)
                params = dict((key, values[-1]) for key, values in query.items())
            else:
                params = json.loads(request.body)
            reject_unknown_fields(params, endpoint.fields)
            context = Context(self.store, self.issuer, pool, params, from_query=endpoint.method == "GET",
                              delivery_timeout=0)
            data = {guarantees.TOKEN: ep_get_management_token, guarantees.LOOKUP: ep_get_webhook,
                    guarantees.T: self.deliver}[name](context)
            return json_reply(success_envelope(data, endpoint.success_message))
        except ApiError as err:
            return json_reply(err.envelope())

    def authenticate(self, request):
        """The caller's user pool, from the emulator's own bearer check of this request's headers."""
        return EmulatorHandler._authenticate(types.SimpleNamespace(headers=request.headers, issuer=self.issuer))

    def deliver(self, context):
        """The emulator's trigger-webhook, its delivery counted, answered as the webhook receiver does."""
        context.store.get_webhook(context.userpool_id, context.params["webhookId"])
        self.deliveries.append(context.params.get("requestBody"))
        return {"response": {"received": True, "delivery": len(self.deliveries)}}


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
    emulator = MockedEmulator(mocked, scenario)
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
    assert not [secret for secret in [KEY_SECRET, WEBHOOK_SECRET] + emulator.issuer.issued if secret in out]
    announced = [match.group("wait") for match in map(guarantees.RETRY_WARNING.match, warnings) if match]
    assert ["%.1f" % wait for wait in slept] == announced, warnings

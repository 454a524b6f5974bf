"""Secrets stay hidden at -vvvv even when a server echoes them back; and the secret scan that every integration
run goes through (harness.SecretScan, in the conftest and in make ansible-test-integration) catches a leak,
wherever it is."""

import collections
import os
import subprocess
import sys

import pytest

from tests.integration.conftest import REPO_ROOT

FakeRun = collections.namedtuple("FakeRun", "output result_text", defaults=("", ""))


def _token(servers):
    return servers.emulator.management_token(servers.access_key_id, servers.access_key_secret)


def test_clean_requests_pass(fresh, secret_scan):
    token = _token(fresh)
    fresh.emulator.call("GET", "get-webhook", token, params={"webhookId": fresh.webhooks["deploy"]})
    secret_scan(fresh, [FakeRun("ok", "{}")])
    assert token in fresh.emulator.issued_tokens()


@pytest.mark.parametrize("where", ["output", "result"])
def test_a_secret_in_output_or_result_is_caught(fresh, secret_scan, where):
    token = _token(fresh)
    for secret in (token, fresh.access_key_secret, fresh.webhook_secrets["deploy"]):
        run = FakeRun(output="x " + secret) if where == "output" else FakeRun(result_text='{"a": "%s"}' % secret)
        with pytest.raises(AssertionError, match="secrets leaked"):
            secret_scan(fresh, [run])


@pytest.mark.parametrize("place", ["header", "query", "body"])
def test_a_secret_sent_out_of_place_is_caught(fresh, secret_scan, place):
    token = _token(fresh)
    kwargs = {"header": {"headers": {"X-Debug": token}}, "query": {"params": {"t": token}},
              "body": {"json": {"webhookId": fresh.webhooks["deploy"], "requestBody": {"k": fresh.access_key_secret}}}}
    fresh.emulator.call("POST", "trigger-webhook", token, **kwargs[place])
    with pytest.raises(AssertionError, match="secrets leaked"):
        secret_scan(fresh, [FakeRun()])


def test_a_declared_webhook_secret_is_allowed_only_as_the_secret_field_of_a_create_or_update(fresh, secret_scan):
    token = _token(fresh)
    secret = fresh.declared_secrets["first"]
    created = fresh.emulator.call("POST", "create-webhook", token, json={
        "name": "declared", "url": fresh.receiver_url + "/declared", "events": ["test"],
        "contentType": "application/json", "secret": secret}).json()["data"]
    fresh.emulator.call("POST", "update-webhook", token, json={"webhookId": created["webhookId"],
                                                               "secret": fresh.declared_secrets["second"]})
    secret_scan(fresh, [FakeRun("ok", "{}")])
    with pytest.raises(AssertionError, match=r"declared_secret\[first\] in the output"):
        secret_scan(fresh, [FakeRun(output="x " + secret)])
    fresh.emulator.call("POST", "update-webhook", token, json={"webhookId": created["webhookId"], "name": secret})
    with pytest.raises(AssertionError, match=r"declared_secret\[first\] in body"):
        secret_scan(fresh, [FakeRun()])


@pytest.mark.parametrize("scenario", ["success", "check", "api_error", "refresh", "retry"])
def test_secrets_a_server_echoes_back_are_masked_at_vvvv(ansible, scenario):
    """The fixture scans every run for every secret; here the servers also try hard to make one show."""
    servers = ansible.servers
    # A careless subscriber that echoes the webhook secret it received back into its answer.
    servers.receiver.configure(body={"echo": True, "seen_secret": servers.webhook_secrets["deploy"]})
    if scenario == "api_error":
        servers.emulator.add_fault("trigger-webhook", "envelope_status", status=500)
    if scenario == "refresh":
        servers.emulator.add_fault("trigger-webhook", "envelope_status", status=401)
    if scenario == "retry":
        # A gateway whose error page echoes the key secret the module just sent; the retry warning quotes it.
        servers.emulator.add_fault("get-management-token", "http_status", status=503, retry_after="0",
                                   text="echo " + servers.access_key_secret)
    run = ansible.trigger(verbosity=4, check=scenario == "check")
    assert servers.emulator.issued_tokens(), "no token was issued, so the scan would prove little"
    if scenario == "success":
        # Ansible masks a whole value as VALUE_SPECIFIED_IN_NO_LOG_PARAMETER, part of one as ********.
        assert run.result["response"]["seen_secret"], "the echoed secret must be masked, not dropped"
    if scenario == "retry":
        assert any("answered echo ********" in w for w in run.warnings()), run.output


@pytest.mark.parametrize("child, code", [("print('nothing to hide')", 0),
                                         ("import os; print(os.environ['GENAUTH_ACCESS_KEY_SECRET'])", 3)])
def test_the_harness_scan_of_a_whole_command_catches_a_leak(tmp_path, child, code):
    """What make ansible-test-integration relies on: harness.py run --scan-secrets fails a command that prints a
    secret, even when the command itself succeeds."""
    harness = os.path.join(REPO_ROOT, "tests", "emulator", "harness.py")
    proc = subprocess.run([sys.executable, harness, "run", "--workdir", str(tmp_path), "--scan-secrets", "--",
                           sys.executable, "-c", child], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=120, check=False)
    assert proc.returncode == code, proc.stdout
    assert ("secrets leaked: access_key_secret in the output" in proc.stdout) is bool(code)

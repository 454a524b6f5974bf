"""ansible-playbook against the emulator over real sockets: what users run, end to end."""

import json
import threading
import time

import pytest


def deliveries(ansible):
    return ansible.servers.receiver.deliveries()


def calls(ansible, endpoint):
    return ansible.servers.emulator.requests(endpoint)


def test_success_returns_the_subscriber_response(ansible):
    ansible.servers.receiver.configure(body={"accepted": True, "ticket": "CHG-7"})
    run = ansible.trigger(extra_vars={"request_headers": {"X-Deploy": "42", "X-Flag": True},
                                      "request_body": {"version": "1.2.3"}})
    assert run.rc == 0, run.output
    result = run.result
    assert result["changed"] is True and not result.get("failed")
    assert result["response"] == {"accepted": True, "ticket": "CHG-7"}
    assert result["status_code"] == 200 and result["request_id"] and result["message"]
    assert result["webhook_id"] == ansible.servers.webhooks["deploy"]
    assert result["webhook"]["secret"] == "********"

    delivered, = deliveries(ansible)
    assert delivered["path"] == "/hooks/deploy"
    headers = dict((k.lower(), v) for k, v in delivered["headers"].items())
    assert headers["x-deploy"] == "42" and headers["x-flag"] == "true"
    assert json.loads(delivered["body"]) == {"version": "1.2.3"}

    trigger, = calls(ansible, "trigger-webhook")
    sent = dict((k.lower(), v) for k, v in trigger["headers"].items())
    assert sent["x-genauth-userpool-id"] == sent["x-authing-userpool-id"] == ansible.servers.userpool_id
    assert sent["user-agent"].startswith("genauth.management/")
    assert json.loads(trigger["body"]) == {"webhookId": ansible.servers.webhooks["deploy"],
                                           "requestHeaders": {"X-Deploy": "42", "X-Flag": "true"},
                                           "requestBody": {"version": "1.2.3"}}


def test_one_token_and_one_lookup_per_run(ansible):
    assert ansible.trigger().rc == 0
    assert len(calls(ansible, "get-management-token")) == 1
    assert len(calls(ansible, "get-webhook")) == 1 and len(calls(ansible, "trigger-webhook")) == 1


def test_chaining_into_later_tasks_and_plays(ansible):
    ansible.servers.receiver.configure(body={"ticket": "CHG-2.0.1", "echo": True})
    run = ansible.playbook("chain.yml", extra_vars={"webhook_id": ansible.servers.webhooks["deploy"],
                                                    "version": "2.0.1"})
    assert run.rc == 0, run.output
    assert run.result["ticket"] == "CHG-2.0.1"
    assert run.result["result"]["response"]["echo"]["version"] == "2.0.1"


def test_module_defaults_group(ansible):
    servers = ansible.servers
    run = ansible.playbook("module_defaults.yml", extra_vars={
        "webhook_id": servers.webhooks["deploy"], "genauth_host": servers.emulator_url,
        "genauth_key_id": servers.access_key_id, "genauth_key_secret": servers.access_key_secret,
    }, env={"GENAUTH_HOST": None, "GENAUTH_ACCESS_KEY_ID": None, "GENAUTH_ACCESS_KEY_SECRET": None})
    assert run.rc == 0, run.output
    assert run.result["changed"] and len(deliveries(ansible)) == 1


def test_access_token_instead_of_key_pair(ansible):
    servers = ansible.servers
    token = servers.emulator.management_token(servers.access_key_id, servers.access_key_secret)
    servers.emulator.reset()  # forget the test's own token request
    run = ansible.trigger(extra_vars={"access_token": token},
                          env={"GENAUTH_ACCESS_KEY_ID": None, "GENAUTH_ACCESS_KEY_SECRET": None})
    assert run.rc == 0, run.output
    assert run.result["changed"] and len(deliveries(ansible)) == 1
    assert calls(ansible, "get-management-token") == []


def test_api_error_fails_with_its_fields(ansible):
    ansible.servers.emulator.add_fault("trigger-webhook", "envelope_status", status=500)
    run = ansible.trigger()
    result = run.result
    assert result["failed"] is True and result["status_code"] == 500 and result["request_id"]
    assert "GenAuth API error on trigger-webhook" in result["msg"] and "statusCode 500" in result["msg"]
    assert "Traceback" not in run.output


def test_unknown_webhook(ansible):
    run = ansible.trigger(webhook="0123456789abcdef01234567")
    result = run.result
    assert result["failed"] is True and result["status_code"] == 404
    assert "Check that the id exists" in result["msg"]
    assert calls(ansible, "trigger-webhook") == [] and deliveries(ansible) == []


def test_wrong_credentials(ansible):
    run = ansible.trigger(extra_vars={"access_key_secret": "not-the-secret"})
    result = run.result
    assert result["failed"] is True and result["api_code"] == 2333
    assert "get-management-token" in result["msg"] and "Check access_key_id and access_key_secret" in result["msg"]
    assert len(calls(ansible, "get-management-token")) == 1 and deliveries(ansible) == []


def test_check_mode_delivers_nothing(ansible):
    run = ansible.trigger(check=True, extra_vars={"request_body": {"version": "9"}})
    assert run.rc == 0, run.output
    result = run.result
    assert result["changed"] is True and "response" not in result
    assert result["request"]["requestBody"] == {"version": "9"}
    assert result["webhook"]["name"] == "deploy" and result["webhook"]["secret"] == "********"
    assert calls(ansible, "trigger-webhook") == [] and deliveries(ansible) == []


def test_retries_503_then_succeeds(ansible):
    ansible.servers.emulator.add_fault("trigger-webhook", "http_status", status=503, count=2, retry_after="0")
    run = ansible.trigger()
    assert run.rc == 0 and run.result["changed"] and not run.result.get("failed"), run.output
    assert len(calls(ansible, "trigger-webhook")) == 3 and len(deliveries(ansible)) == 1
    retry_warnings = [w for w in run.warnings() if "retry" in w]
    assert len(retry_warnings) == 2 and "retry 1 of 3" in retry_warnings[0]


def test_throttled_envelope_is_retried(ansible):
    ansible.servers.emulator.add_fault("trigger-webhook", "envelope_status", status=429, count=1, retry_after="0")
    run = ansible.trigger()
    assert run.rc == 0 and not run.result.get("failed"), run.output
    assert len(deliveries(ansible)) == 1


def test_gives_up_after_retries(ansible):
    ansible.servers.emulator.add_fault("trigger-webhook", "http_status", status=503, count=5, retry_after="0")
    run = ansible.trigger(extra_vars={"retries": 1})
    assert run.result["failed"] is True and run.result["http_status"] == 503
    assert len(calls(ansible, "trigger-webhook")) == 2 and deliveries(ansible) == []


def test_no_retry_on_500_after_delivery(ansible):
    ansible.servers.emulator.add_fault("trigger-webhook", "http_status", status=500, phase="after")
    run = ansible.trigger()
    assert run.result["failed"] is True and run.result["http_status"] == 500
    assert len(calls(ansible, "trigger-webhook")) == 1 and len(deliveries(ansible)) == 1
    assert not [w for w in run.warnings() if "retry" in w]


def test_timeout_is_not_retried(ansible):
    ansible.servers.emulator.add_fault("trigger-webhook", "delay", delay=3, phase="after")
    run = ansible.trigger(extra_vars={"timeout": 1})
    assert run.result["failed"] is True
    assert "no answer within 1 s (timeout)" in run.result["msg"] and "was not retried" in run.result["msg"]
    assert len(deliveries(ansible)) == 1


def test_dropped_connection_after_delivery_is_not_retried(ansible):
    ansible.servers.emulator.add_fault("trigger-webhook", "drop", phase="after")
    run = ansible.trigger()
    assert run.result["failed"] is True and "the connection broke before the answer arrived" in run.result["msg"]
    assert len(calls(ansible, "trigger-webhook")) == 1 and len(deliveries(ansible)) == 1
    assert "Traceback" not in run.output


def test_invalid_json_answer(ansible):
    ansible.servers.emulator.add_fault("trigger-webhook", "invalid_json")
    run = ansible.trigger()
    assert run.result["failed"] is True and "with a body that is not JSON" in run.result["msg"]
    assert "Traceback" not in run.output


def test_refused_connection_is_retried_then_reported(ansible):
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    run = ansible.trigger(extra_vars={"genauth_host": "http://127.0.0.1:%d" % closed_port, "retries": 1})
    assert run.result["failed"] is True and "Could not connect to http://127.0.0.1:%d" % closed_port in run.result["msg"]
    assert len([w for w in run.warnings() if "retry 1 of 1" in w]) == 1


def test_html_gateway_page(ansible):
    ansible.servers.emulator.add_fault("trigger-webhook", "html", status=502)
    run = ansible.trigger()
    assert run.result["failed"] is True and "HTTP 502" in run.result["msg"] and "<html" in run.result["msg"]
    assert "Traceback" not in run.output and deliveries(ansible) == []


def test_token_refresh_on_401(ansible):
    # Revoke the token between its issue and the trigger: the lookup passes, the trigger gets a 401.
    ansible.servers.emulator.add_fault("trigger-webhook", "envelope_status", status=401, count=1)
    run = ansible.trigger()
    assert run.rc == 0 and not run.result.get("failed"), run.output
    assert len(calls(ansible, "get-management-token")) == 2 and len(deliveries(ansible)) == 1
    assert any("fetched a new token" in w for w in run.warnings())


def test_token_revoked_mid_run_is_refreshed(ansible):
    servers = ansible.servers
    # Hold the lookup long enough to revoke the token the module has just fetched.
    servers.emulator.add_fault("get-webhook", "delay", delay=1.5, count=1)
    revoker = threading.Thread(target=_revoke_after_first_token, args=(servers,))
    revoker.start()
    run = ansible.trigger()
    revoker.join()
    assert run.rc == 0 and not run.result.get("failed"), run.output
    assert len(calls(ansible, "get-management-token")) == 2 and len(deliveries(ansible)) == 1


def _revoke_after_first_token(servers, limit=30.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not servers.emulator.requests("get-management-token"):
        time.sleep(0.05)
    servers.emulator.revoke_tokens()


def test_expired_access_token_fails_clearly(ansible):
    servers = ansible.servers
    token = servers.emulator.management_token(servers.access_key_id, servers.access_key_secret)
    servers.emulator.expire_tokens()
    run = ansible.trigger(extra_vars={"access_token": token},
                          env={"GENAUTH_ACCESS_KEY_ID": None, "GENAUTH_ACCESS_KEY_SECRET": None})
    assert run.result["failed"] is True and run.result["status_code"] == 401
    assert "The access_token was rejected (expired or revoked?)" in run.result["msg"]
    assert deliveries(ansible) == []


@pytest.mark.parametrize("extra, rule", [
    ({"request_headers": {"X-A": "a\r\nInjected: 1"}}, "request_headers['X-A']: value must not contain CR or LF"),
    ({"request_body": "[1, 2]"}, "request_body: must be a JSON object"),
    ({"webhook_id": "bad id"}, "webhook_id: must not contain whitespace"),
    ({"timeout": 0}, "timeout: must be greater than 0"),
    ({"retries": 50}, "retries: must be between 0 and 10"),
])
def test_invalid_input_sends_nothing(ansible, extra, rule):
    run = ansible.trigger(extra_vars=extra)
    assert run.result["failed"] is True and rule in run.result["msg"]
    assert ansible.servers.emulator.requests() == [] and deliveries(ansible) == []


def test_tls_is_verified_by_default(tls_ansible):
    run = tls_ansible.trigger()
    assert run.result["failed"] is True and "TLS failure" in run.result["msg"] and "ca_path" in run.result["msg"]
    assert deliveries(tls_ansible) == []


def test_tls_with_ca_path(tls_ansible):
    run = tls_ansible.trigger(extra_vars={"ca_path": tls_ansible.servers.ca_path})
    assert run.rc == 0 and not run.result.get("failed"), run.output
    assert len(deliveries(tls_ansible)) == 1


def test_tls_with_the_wrong_ca(tls_ansible):
    run = tls_ansible.trigger(extra_vars={"ca_path": tls_ansible.servers.other_ca_path})
    assert run.result["failed"] is True and "TLS failure" in run.result["msg"]


def test_tls_verification_off_warns(tls_ansible):
    run = tls_ansible.trigger(extra_vars={"validate_certs": False})
    assert run.rc == 0 and not run.result.get("failed"), run.output
    assert any("validate_certs is false" in w for w in run.warnings())


def _secrets(servers):
    """Everything that must never be printed: key secret, every token issued, webhook secrets."""
    tokens = set()
    for call in servers.emulator.requests():
        auth = dict((k.lower(), v) for k, v in call["headers"].items()).get("authorization", "")
        if auth.startswith("Bearer "):
            tokens.add(auth[len("Bearer "):])
    assert tokens, "no token was used, so the scan would prove nothing"
    return [servers.access_key_secret] + sorted(tokens) + list(servers.webhook_secrets.values())


@pytest.mark.parametrize("scenario", ["success", "check", "api_error", "refresh", "retry"])
def test_no_secret_in_vvvv_output(ansible, scenario):
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
    text = run.output + json.dumps(run.result)
    if scenario == "success":
        assert run.result["response"]["seen_secret"], "the echoed secret must be masked, not dropped"
    if scenario == "retry":
        assert any("answered echo ********" in w for w in run.warnings()), run.output
    for secret in _secrets(servers):
        assert secret not in text

"""The secret scan that every integration run goes through must itself catch a leak, wherever it is."""

import pytest


class FakeRun(object):
    def __init__(self, output="", result_text=""):
        self.output = output
        self.result_text = result_text


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

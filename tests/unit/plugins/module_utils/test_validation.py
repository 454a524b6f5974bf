import json

import pytest

from ansible_collections.genauth.management.plugins.module_utils import _validation as v

BASE = dict(host="https://api.genauth.ai", access_key_id="pool", access_key_secret="s3cret",
            access_token=None, userpool_id=None, ca_path=None, timeout=30.0, retries=3)
SCHEMA = v.build_schema(v.TRIGGER_RULES)


def check(**options):
    return v.validate(SCHEMA, dict(BASE, webhook_id="wh1", **options))


def refused(**options):
    with pytest.raises(v.InvalidOptions) as info:
        check(**options)
    return str(info.value)


def test_valid_options_are_normalised():
    result = check(request_headers={"X-Num": 1, "X-Flag": True, "X-Off": False, "X-F": 1.5, "X-S": "a"},
                   request_body='{"version": "1.2.3"}', host="https://genauth.example.com/prefix/")
    assert result["request_headers"] == {"X-Num": "1", "X-Flag": "true", "X-Off": "false", "X-F": "1.5", "X-S": "a"}
    assert result["request_body"] == {"version": "1.2.3"}
    assert result["host"] == "https://genauth.example.com/prefix"


@pytest.mark.parametrize("host, expected", [
    ("https://api.genauth.ai/", "https://api.genauth.ai"),
    ("HTTP://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("https://[::1]:8443/api-gw//", "https://[::1]:8443/api-gw"),
])
def test_host_normalisation(host, expected):
    assert check(host=host)["host"] == expected


@pytest.mark.parametrize("host, rule", [
    ("api.genauth.ai", "host: must start with http:// or https://"),
    ("ftp://api.genauth.ai", "host: must start with http:// or https://"),
    ("https://", "host: must name a host"),
    ("https://api.genauth.ai/?a=1", "host: must not contain a query string or fragment"),
    ("https://api.genauth.ai/#x", "host: must not contain a query string or fragment"),
    ("https://user:pw@api.genauth.ai", "host: must not contain credentials"),
    ("https://api.genauth.ai:99999", "host: has an invalid port"),
    ("", "host: must be an http or https URL"),
])
def test_bad_host(host, rule):
    assert rule in refused(host=host)


@pytest.mark.parametrize("webhook_id, rule", [
    ("", "webhook_id: must be a non-empty string"),
    ("a b", "webhook_id: must not contain whitespace or control characters"),
    ("a\x01", "webhook_id: must not contain whitespace or control characters"),
    ("x" * 257, "webhook_id: must be at most 256 characters"),
])
def test_bad_webhook_id(webhook_id, rule):
    with pytest.raises(v.InvalidOptions, match=rule.replace("(", r"\(")):
        v.validate(SCHEMA, dict(BASE, webhook_id=webhook_id))


@pytest.mark.parametrize("headers, rule", [
    ({"X-A": "a\r\nb"}, "request_headers['X-A']: value must not contain CR or LF"),
    ({"X-A": "a\nb"}, "request_headers['X-A']: value must not contain CR or LF"),
    ({"X-A": "a\x00b"}, "request_headers['X-A']: value must not contain NUL"),
    ({"Bad Name": "x"}, "request_headers['Bad Name']: is not a valid HTTP header name"),
    ({"X-A\r\nInjected": "x"}, "is not a valid HTTP header name"),
    ({"": "x"}, "request_headers['']: is not a valid HTTP header name"),
    ({"X-A\n": "x"}, "is not a valid HTTP header name"),
    ({"X-A": ["list"]}, "request_headers['X-A']: value must be a string, number or boolean, not list"),
    ({"X-A": None}, "request_headers['X-A']: value must be a string, number or boolean, not NoneType"),
    ({"X-A": "1", "x-a": "2"}, "duplicates header 'X-A'"),
])
def test_bad_headers(headers, rule):
    assert rule in refused(request_headers=headers)


@pytest.mark.parametrize("body, rule", [
    ("[1, 2]", "request_body: must be a JSON object, but the string holds a JSON array"),
    ('"text"', "request_body: must be a JSON object, but the string holds a JSON string"),
    ("{not json", "request_body: must be a JSON object, but the string is not valid JSON"),
    ("", "request_body: must be a JSON object, but the string is not valid JSON"),
    ([1, 2], "request_body: must be a JSON object (a dictionary), not array"),
    (5, "request_body: must be a JSON object (a dictionary), not number"),
    (True, "request_body: must be a JSON object (a dictionary), not boolean"),
    ({"n": float("nan")}, "request_body: must contain only JSON values"),
    ({"s": {1, 2}}, "request_body: must contain only JSON values"),
])
def test_bad_body(body, rule):
    assert rule in refused(request_body=body)


def test_body_size_limit():
    limit = v.MAX_BODY_BYTES
    fits = {"x": "a" * (limit - len(json.dumps({"x": ""}, separators=(",", ":"))))}
    assert check(request_body=fits)["request_body"] == fits
    assert "request_body: is %d bytes as JSON; the limit is %d bytes" % (limit + 1, limit) in refused(
        request_body={"x": fits["x"] + "a"})


@pytest.mark.parametrize("timeout, ok", [(0.001, True), (3600, True), (0, False), (-1, False), (3600.5, False)])
def test_timeout_range(timeout, ok):
    if ok:
        assert check(timeout=timeout)["timeout"] == float(timeout)
    else:
        assert "timeout: must be greater than 0 and at most 3600 seconds" in refused(timeout=timeout)


@pytest.mark.parametrize("retries, ok", [(0, True), (10, True), (-1, False), (11, False)])
def test_retries_range(retries, ok):
    if ok:
        assert check(retries=retries)["retries"] == retries
    else:
        assert "retries: must be between 0 and 10" in refused(retries=retries)


def test_ca_path_must_exist(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    assert check(ca_path=str(bundle))["ca_path"] == str(bundle)
    assert "ca_path: %s does not exist" % (tmp_path / "missing") in refused(ca_path=str(tmp_path / "missing"))


@pytest.mark.parametrize("credentials, rule", [
    (dict(access_key_secret=None), "access_key_id and access_key_secret must be given together (missing: access_key_secret)"),
    (dict(access_key_id=""), "access_key_id and access_key_secret must be given together (missing: access_key_id)"),
    (dict(access_token="tok"), "give either access_key_id and access_key_secret, or access_token, not both"),
    (dict(access_key_id=None, access_key_secret=None), "no credentials: give access_key_id and access_key_secret"),
])
def test_credentials_rule(credentials, rule):
    assert rule in refused(**credentials)


def test_token_alone_is_enough():
    assert check(access_key_id=None, access_key_secret=None, access_token="tok")["access_token"] == "tok"


def test_every_broken_rule_is_reported_once():
    msg = refused(timeout=0, retries=99, request_body="[]")
    assert msg.startswith("Invalid options: ")
    assert msg.count("timeout:") == 1 and "retries:" in msg and "request_body:" in msg


@pytest.mark.parametrize("options, rule", [
    (dict(webhook_id="wh\u0085x"), "webhook_id: must not contain whitespace or control characters"),
    (dict(webhook_id="wh\u200bx"), "webhook_id: must not contain whitespace or control characters"),
    (dict(userpool_id="\u6c60"), "userpool_id: must contain only visible ASCII characters"),
    (dict(access_key_id=None, access_key_secret=None, access_token="eyJ.abc\n"),
     "access_token: must contain only visible ASCII characters, without whitespace"),
    (dict(request_headers={"X-A": "caf\u00e9 \u20ac"}), "request_headers['X-A']: value must contain only Latin-1"),
    (dict(request_headers={"X-A": "a\x07b"}), "request_headers['X-A']: value must not contain control characters"),
    (dict(host="https://api gen.ai"), "host: must not contain whitespace or control characters"),
])
def test_values_that_http_cannot_carry_are_refused(options, rule):
    params = dict(BASE, webhook_id="wh1")
    params.update(options)
    with pytest.raises(v.InvalidOptions) as info:
        v.validate(SCHEMA, params)
    assert rule in str(info.value)
    assert "eyJ.abc" not in str(info.value)


def test_latin1_and_tab_header_values_are_fine():
    assert check(request_headers={"X-A": "caf\u00e9\tok"})["request_headers"] == {"X-A": "caf\u00e9\tok"}

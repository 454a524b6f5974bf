"""The shared connection options: their rules, the credential rule and the environment variables."""

import pytest

from ansible_collections.genauth.management.plugins.module_utils._connection import (
    RETRIES, TIMEOUT, credentials_from_environment,
)
from ansible_collections.genauth.management.plugins.module_utils._options import options_schema
from ansible_collections.genauth.management.plugins.module_utils._validation import InvalidOptions, validate

BASE = dict(host="https://api.genauth.ai", access_key_id="pool", access_key_secret="s3cret",
            access_token=None, userpool_id=None, ca_path=None, timeout=TIMEOUT.default, retries=RETRIES.default)
SCHEMA = options_schema()


def check(**options):
    return validate(SCHEMA, dict(BASE, **options))


def refused(**options):
    with pytest.raises(InvalidOptions) as info:
        check(**options)
    return str(info.value)


@pytest.mark.parametrize("host, expected", [
    ("https://api.genauth.ai/", "https://api.genauth.ai"),
    ("HTTP://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("https://[::1]:8443/api-gw//", "https://[::1]:8443/api-gw"),
    ("https://genauth.example.com/prefix/", "https://genauth.example.com/prefix"),
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
    ("https://api gen.ai", "host: must not contain whitespace or control characters"),
])
def test_bad_host(host, rule):
    assert rule in refused(host=host)


@pytest.mark.parametrize("timeout, ok", [(0.001, True), (TIMEOUT.high, True), (0, False), (-1, False),
                                         (TIMEOUT.high + 0.5, False)])
def test_timeout_range(timeout, ok):
    if ok:
        assert check(timeout=timeout)["timeout"] == float(timeout)
    else:
        assert "timeout: must be greater than 0 and at most %d seconds" % TIMEOUT.high in refused(timeout=timeout)


@pytest.mark.parametrize("retries, ok", [(RETRIES.low, True), (RETRIES.high, True), (-1, False),
                                         (RETRIES.high + 1, False), (True, False)])
def test_retries_range(retries, ok):
    if ok:
        assert check(retries=retries)["retries"] == retries
    else:
        assert "retries: must be" in refused(retries=retries)


def test_ca_path_must_exist(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    assert check(ca_path=str(bundle))["ca_path"] == str(bundle)
    assert "ca_path: %s does not exist" % (tmp_path / "missing") in refused(ca_path=str(tmp_path / "missing"))


@pytest.mark.parametrize("credentials, rule", [
    (dict(access_key_secret=None), "access_key_id and access_key_secret must be given together (missing: access_key_secret)"),
    (dict(access_key_id=""), "access_key_id and access_key_secret must be given together (missing: access_key_id)"),
    (dict(access_key_id=None, access_token="tok"),
     "access_key_id and access_key_secret must be given together (missing: access_key_id)"),
    (dict(access_key_id=None, access_key_secret=None), "no credentials: give access_key_id and access_key_secret"),
])
def test_credentials_rule(credentials, rule):
    assert rule in refused(**credentials)


def test_token_alone_is_enough():
    assert check(access_key_id=None, access_key_secret=None, access_token="tok")["access_token"] == "tok"


def test_token_and_key_pair_together_are_allowed():
    checked = check(access_token="tok")
    assert checked["access_token"] == "tok" and checked["access_key_id"] and checked["access_key_secret"]


@pytest.mark.parametrize("options, rule", [
    (dict(userpool_id="\u6c60"), "userpool_id: must contain only visible ASCII characters"),
    (dict(userpool_id="po ol"), "userpool_id: must not contain whitespace or control characters"),
    (dict(access_key_id=None, access_key_secret=None, access_token="eyJ.abc\n"),
     "access_token: must contain only visible ASCII characters, without whitespace"),
])
def test_values_that_http_cannot_carry_are_refused_without_quoting_them(options, rule):
    msg = refused(**options)
    assert rule in msg and "eyJ.abc" not in msg


@pytest.mark.parametrize("params, environ, expected, secrets", [
    # Nothing in the task: the key pair from the environment (the id is not a secret).
    ({}, {"GENAUTH_ACCESS_KEY_ID": "pool", "GENAUTH_ACCESS_KEY_SECRET": "s"},
     {"access_key_id": "pool", "access_key_secret": "s"}, ["s"]),
    # The task gives a token: the key pair variables are ignored.
    ({"access_token": "t"}, {"GENAUTH_ACCESS_KEY_ID": "pool", "GENAUTH_ACCESS_KEY_SECRET": "s"},
     {"access_token": "t"}, []),
    # The task gives part of the key pair: the rest comes from the environment, the token variable is ignored.
    ({"access_key_id": "pool"}, {"GENAUTH_ACCESS_KEY_SECRET": "s", "GENAUTH_ACCESS_TOKEN": "t"},
     {"access_key_id": "pool", "access_key_secret": "s"}, ["s"]),
    # Both kinds exported and none in the task: both are taken (the token first, the key pair to fall back on).
    ({}, {"GENAUTH_ACCESS_KEY_ID": "pool", "GENAUTH_ACCESS_KEY_SECRET": "s", "GENAUTH_ACCESS_TOKEN": "t"},
     {"access_key_id": "pool", "access_key_secret": "s", "access_token": "t"}, ["s", "t"]),
    # The task gives the key pair: GENAUTH_ACCESS_TOKEN is ignored.
    ({"access_key_id": "mine", "access_key_secret": "m"}, {"GENAUTH_ACCESS_TOKEN": "t"},
     {"access_key_id": "mine", "access_key_secret": "m"}, []),
    # The task gives both kinds: the environment adds nothing.
    ({"access_key_id": "mine", "access_key_secret": "m", "access_token": "mt"},
     {"GENAUTH_ACCESS_KEY_ID": "pool", "GENAUTH_ACCESS_KEY_SECRET": "s", "GENAUTH_ACCESS_TOKEN": "t"},
     {"access_key_id": "mine", "access_key_secret": "m", "access_token": "mt"}, []),
    # The task gives a token and half a key pair: the environment completes the pair, keeps the task's token.
    ({"access_key_id": "mine", "access_token": "mt"},
     {"GENAUTH_ACCESS_KEY_SECRET": "s", "GENAUTH_ACCESS_TOKEN": "t"},
     {"access_key_id": "mine", "access_key_secret": "s", "access_token": "mt"}, ["s"]),
])
def test_credentials_from_environment_let_the_task_win(params, environ, expected, secrets):
    assert credentials_from_environment(params, environ) == secrets
    assert dict((key, value) for key, value in params.items() if value) == expected

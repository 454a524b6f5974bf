"""The shared connection options: their rules, the credential rule and the environment variables (the proxy_url rule
is test_proxy.py's)."""

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.genauth.management.plugins.module_utils._connection import (
    RETRIES, SETTING_VARIABLES, TIMEOUT, argument_spec, credentials_from_environment,
)
from ansible_collections.genauth.management.plugins.module_utils._options import options_schema
from ansible_collections.genauth.management.plugins.module_utils._validation import validate
from ansible_collections.genauth.management.tests.unit.helpers import refusal

BASE = dict(host="https://api.genauth.ai", access_key_id="pool", access_key_secret="s3cret",
            access_token=None, userpool_id=None, ca_path=None, timeout=TIMEOUT.default, retries=RETRIES.default)
SCHEMA = options_schema()


def check(**options):
    return validate(SCHEMA, dict(BASE, **options))


def refused(**options):
    return refusal(SCHEMA, dict(BASE, **options))


@pytest.mark.parametrize("options, checked", [
    (dict(host="https://api.genauth.ai/"), dict(host="https://api.genauth.ai")),
    (dict(host="HTTP://127.0.0.1:8080"), dict(host="http://127.0.0.1:8080")),
    (dict(host="https://[::1]:8443/api-gw//"), dict(host="https://[::1]:8443/api-gw")),
    (dict(host="https://genauth.example.com/prefix/"), dict(host="https://genauth.example.com/prefix")),
    (dict(timeout=0.001), dict(timeout=0.001)),
    (dict(timeout=TIMEOUT.high), dict(timeout=float(TIMEOUT.high))),
    (dict(retries=RETRIES.low), dict(retries=RETRIES.low)),
    (dict(retries=RETRIES.high), dict(retries=RETRIES.high)),
    # A token alone is enough, and may come with the key pair.
    (dict(access_key_id=None, access_key_secret=None, access_token="tok"), dict(access_token="tok")),
    (dict(access_token="tok"), dict(access_token="tok", access_key_id="pool", access_key_secret="s3cret")),
])
def test_values_within_the_rules_are_normalised(options, checked):
    result = check(**options)
    assert dict((name, result[name]) for name in checked) == checked


TIMEOUT_RULE = "timeout: must be greater than 0 and at most %d seconds" % TIMEOUT.high
PAIR_RULE = "access_key_id and access_key_secret must be given together (missing: %s)"


@pytest.mark.parametrize("options, rule", [
    (dict(host="api.genauth.ai"), "host: must start with http:// or https://"),
    (dict(host="ftp://api.genauth.ai"), "host: must start with http:// or https://"),
    (dict(host="https://"), "host: must name a host"),
    (dict(host="https://api.genauth.ai/?a=1"), "host: must not contain a query string or fragment"),
    (dict(host="https://api.genauth.ai/#x"), "host: must not contain a query string or fragment"),
    (dict(host="https://user:pw@api.genauth.ai"), "host: must not contain credentials"),
    (dict(host="https://api.genauth.ai:99999"), "host: has an invalid port"),
    (dict(host=""), "host: must be an http or https URL"),
    (dict(host="https://api gen.ai"), "host: must not contain whitespace or control characters"),
    (dict(timeout=0), TIMEOUT_RULE), (dict(timeout=-1), TIMEOUT_RULE), (dict(timeout=TIMEOUT.high + 0.5), TIMEOUT_RULE),
    (dict(retries=-1), "retries: must be"), (dict(retries=RETRIES.high + 1), "retries: must be"),
    (dict(retries=True), "retries: must be"),
    (dict(access_key_secret=None), PAIR_RULE % "access_key_secret"),
    (dict(access_key_id=""), PAIR_RULE % "access_key_id"),
    (dict(access_key_id=None, access_token="tok"), PAIR_RULE % "access_key_id"),
    (dict(access_key_id=None, access_key_secret=None), "no credentials: give access_key_id and access_key_secret"),
])
def test_values_that_break_a_rule_are_refused_naming_the_option(options, rule):
    assert rule in refused(**options)


def test_ca_path_must_exist(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    assert check(ca_path=str(bundle))["ca_path"] == str(bundle)
    assert "ca_path: %s does not exist" % (tmp_path / "missing") in refused(ca_path=str(tmp_path / "missing"))


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


def as_ansible_reads(params, environ, monkeypatch):
    """The options after Ansible's argument spec (types, defaults, fallbacks), with ``environ`` as the environment."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    validation = ArgumentSpecValidator(argument_spec()).validate(dict(params))
    assert not validation.error_messages, validation.error_messages
    return validation.validated_parameters, validation._no_log_values


def test_each_setting_the_environment_may_give_has_one_variable():
    """The argument spec's fallbacks are SETTING_VARIABLES (the callback reads the same names: its unit test)."""
    spec = argument_spec()
    assert [(option, spec[option]["fallback"][1]) for option, dummy in SETTING_VARIABLES] == [
        (option, [variable]) for option, variable in SETTING_VARIABLES]


@pytest.mark.parametrize("params, environ, expected", [
    ({}, {}, dict(validate_certs=True, ca_path=None, use_proxy=True, proxy_url=None)),
    ({}, {"GENAUTH_VALIDATE_CERTS": "false", "GENAUTH_CA_PATH": "/etc/pki/corp.pem", "GENAUTH_USE_PROXY": "no",
          "GENAUTH_PROXY_URL": "http://proxy.example:3128"},
     dict(validate_certs=False, ca_path="/etc/pki/corp.pem", use_proxy=False, proxy_url="http://proxy.example:3128")),
    # Empty counts as not set (AWX injects an empty variable for a credential field left empty).
    ({}, dict.fromkeys(("GENAUTH_VALIDATE_CERTS", "GENAUTH_CA_PATH", "GENAUTH_USE_PROXY", "GENAUTH_PROXY_URL"), ""),
     dict(validate_certs=True, ca_path=None, use_proxy=True, proxy_url=None)),
    # The task's own value wins.
    (dict(validate_certs=True, use_proxy=True, proxy_url="http://mine:8080"),
     {"GENAUTH_VALIDATE_CERTS": "false", "GENAUTH_USE_PROXY": "false", "GENAUTH_PROXY_URL": "http://env:3128"},
     dict(validate_certs=True, use_proxy=True, proxy_url="http://mine:8080")),
], ids=["none", "all", "empty", "task-wins"])
def test_settings_come_from_the_environment_when_the_task_leaves_them_out(monkeypatch, params, environ, expected):
    checked, dummy = as_ansible_reads(dict(params, host="https://api.genauth.ai"), environ, monkeypatch)
    assert dict((name, checked.get(name)) for name in expected) == expected


def test_a_proxy_url_from_the_environment_is_hidden_as_a_no_log_value(monkeypatch):
    url = "http://ci:pr0xy@proxy.example:3128"
    dummy, no_log_values = as_ansible_reads({}, {"GENAUTH_PROXY_URL": url}, monkeypatch)
    assert url in no_log_values


def test_an_empty_ca_path_is_no_ca_path():
    assert check(ca_path="")["ca_path"] is None

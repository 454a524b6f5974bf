"""The module's entry point under bad input: main() with arbitrary option values, HTTP mocked with responses.

Whatever the values: no exception escapes main(), a refusal is fail_json whose msg names the option, and a
refused input sends nothing. Explicit cases cover the body size limit on both sides, as sent, and unknown
options. The rules' own messages are tested where the rules live (test_connection.py, test_webhooks.py).
"""

import json

import pytest
from hypothesis import event, given, strategies as st

from ansible_collections.genauth.management.plugins.module_utils._trigger import MAX_BODY_BYTES
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_trigger
from ansible_collections.genauth.management.tests.unit.helpers import (
    CONNECTION, KEY_SECRET, TOKEN, WEBHOOK, answer_trigger, requests_mock, run_module,
)

from tests import guarantees

BASE = dict(CONNECTION, webhook_id="wh1", retries=0)
OPTIONS = ("webhook_id", "request_headers", "request_body", "access_key_id", "access_key_secret", "access_token",
           "userpool_id", "validate_certs", "ca_path", "timeout", "retries")


def run_main(args):
    """main() with ``args`` and HTTP mocked: (exit code, result, the calls made)."""
    with requests_mock() as mocked:
        answer_trigger(mocked)
        code, result, dummy = run_module(genauth_webhook_trigger, args)
        return code, result, list(mocked.calls)


def names_option(msg, options):
    return any(("'%s'" % name) in msg or ("%s:" % name) in msg or ("%s[" % name) in msg or (" %s" % name) in msg
               for name in options)


def assert_refused(code, result, calls, options):
    assert code == 1 and result.get("failed") is True, result
    assert names_option(result["msg"], options), result["msg"]
    assert not result["msg"].startswith("Unexpected") and "Traceback" not in json.dumps(result)
    assert calls == [], [call.request.url for call in calls]


# ------------------------------------------------------------------------------ property-based

nasty_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\r\n", "\x00", "a\nb", "\x7f", "\u2028", "é", "😀", "x" * 300, "https://api.genauth.ai"]),
)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nasty_text
anything = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    nasty_text, inner, max_size=3), max_leaves=8)

# One option made invalid in a way the rules (or Ansible's own type checks) must catch.
invalid_option = st.one_of(
    st.tuples(st.just("webhook_id"), st.sampled_from(["", " ", "a b", "a\nb", "a\x00b", "x" * 257, "\u200bid"])),
    st.tuples(st.just("request_headers"), st.dictionaries(
        st.text(min_size=1, max_size=8).filter(lambda name: not name.isalnum()) | st.just("X-A"),
        st.sampled_from(["a\r\nInjected: 1", "a\nb", "a\rb", "a\x00b", "\x7f", "€", ["list"], {"d": 1}]),
        min_size=1, max_size=3).filter(lambda headers: "X-A" not in headers or headers["X-A"] not in ("€",))),
    st.tuples(st.just("request_body"), st.one_of(
        st.lists(scalars, max_size=3), st.integers(), st.booleans(), st.floats(allow_nan=False),
        st.lists(scalars, max_size=3).map(json.dumps), st.text(max_size=20).filter(lambda text: not _is_object(text)))),
    st.tuples(st.just("timeout"), st.one_of(st.floats(max_value=0), st.floats(min_value=3600.001), st.just("soon"))),
    st.tuples(st.just("retries"), st.one_of(st.integers(max_value=-1), st.integers(min_value=11), st.just("x"))),
    st.tuples(st.just("host"), st.sampled_from([
        "", "ftp://x", "api.genauth.ai", "https://", "https://a b", "https://u:p@h", "https://h/?q=1", "https://h#f",
        "https://h:99999"])),
    st.tuples(st.just("access_token"), st.sampled_from(["tok en", "tok\n", "\x00", "é"])),
    st.tuples(st.just("userpool_id"), st.sampled_from(["po ol", "pool\n", "é", "\x00"])),
    st.tuples(st.just("ca_path"), st.just("/nonexistent/ca-bundle.pem")),
    st.tuples(st.just("validate_certs"), st.sampled_from(["maybe", "2", [True]])),
)


def _is_object(text):
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


@given(invalid_option)
def test_an_invalid_option_is_refused_by_name_and_sends_nothing(option):
    guarantees.record_fuzz("module-invalid-input", 1)
    name, value = option
    args = dict(BASE, **{name: value})
    if name == "access_token":
        args.update(access_key_id=None, access_key_secret=None)
    code, result, calls = run_main(dict((k, v) for k, v in args.items() if v is not None))
    assert_refused(code, result, calls, [name])


visible = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=20)
header_names = st.text(alphabet="abcXYZ019-_.!#$%&'*+^`|~", min_size=1, max_size=10)
# Plausible values, so that a good share of the drawn inputs is accepted and its request checked.
VALID = {
    "request_headers": st.dictionaries(header_names, st.text(alphabet=st.characters(
        min_codepoint=0x20, max_codepoint=0xff, exclude_characters="\x7f"), max_size=10)
        | st.integers() | st.booleans(), max_size=3),
    "request_body": st.dictionaries(st.text(max_size=5), scalars, max_size=3),
    "access_key_id": visible,
    "userpool_id": visible,
    "validate_certs": st.booleans(),
    "timeout": st.floats(min_value=0.1, max_value=3600),
    "retries": st.integers(min_value=0, max_value=10),
}


# Ansible masks every occurrence of a no_log value in the result, so a one-letter secret would mask letters of
# the message itself; secrets are drawn at a realistic length (any content).
SECRETS = {name: st.text(min_size=8, max_size=30) | visible.filter(lambda text: len(text) >= 8)
           for name in ("access_key_secret", "access_token")}
ANY_OPTIONS = st.fixed_dictionaries({}, optional=dict(
    (name, SECRETS[name] if name in SECRETS else VALID.get(name, anything) | anything)
    for name in OPTIONS if name != "webhook_id"))


@given(ANY_OPTIONS, st.one_of(visible, nasty_text, anything))
def test_any_option_values_fail_cleanly_or_send_exactly_what_was_validated(overrides, webhook_id):
    guarantees.record_fuzz("module-any-input", 1)
    args = dict(BASE, webhook_id=webhook_id, **overrides)
    code, result, calls = run_main(dict((k, v) for k, v in args.items() if v is not None))
    event("accepted and sent" if code == 0 else "refused")
    if code == 0:
        assert result["changed"] is True and result["response"] == {"ok": True}
        triggered = [call for call in calls if call.request.url.endswith("/trigger-webhook")]
        assert len(triggered) == 1
        sent = json.loads(triggered[0].request.body)
        assert sent["webhookId"] == webhook_id, "the id is sent as given, never converted"
        assert isinstance(sent["webhookId"], str) and sent["webhookId"].strip() == sent["webhookId"] != ""
        assert_masked_as_promised(result["webhook_id"], sent["webhookId"], secrets_of(args))
        if overrides.get("request_body") is not None:
            assert isinstance(sent["requestBody"], dict)
        for name, value in (sent.get("requestHeaders") or {}).items():
            assert isinstance(value, str) and not any(char in value for char in "\r\n\x00")
        assert KEY_SECRET not in json.dumps(result)
    else:
        assert_refused(code, result, calls, list(overrides) + ["webhook_id"])


def secrets_of(args):
    """What the module keeps out of its result: the secrets given, the token it fetched, the webhook's secret."""
    return [value for value in (args.get("access_key_secret"), args.get("access_token"), TOKEN, WEBHOOK["secret"])
            if isinstance(value, str) and value]


def assert_masked_as_promised(shown, value, secrets):
    """What masking promises for a value the result returns (Ansible masks each no_log value wherever it appears):
    no secret is ever shown, and a value that holds no secret is shown unchanged. A value that holds one, such as
    a webhook ID that contains the access key secret, is shown with the secret replaced (or, when the value is a
    secret, replaced whole); it is not the value any more, and masking does not promise to keep it."""
    holds_secret = any(secret in value for secret in secrets)
    if not holds_secret:
        assert shown == value
    else:
        assert not any(secret in shown for secret in secrets), "a secret is shown"
        assert shown == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" or "********" in shown, shown


# The cases Hypothesis found that broke an earlier statement of the property above: the id held the secret.
@pytest.mark.parametrize("webhook_id, secret", [("00000000", "00000000"), ("x00000000y", "00000000"),
                                                ("wh-" + KEY_SECRET, KEY_SECRET)])
def test_an_id_that_holds_the_secret_is_masked_in_the_result_and_sent_as_given(webhook_id, secret):
    args = dict(BASE, webhook_id=webhook_id, access_key_secret=secret)
    code, result, calls = run_main(args)
    assert code == 0, result
    trigger, = [call for call in calls if call.request.url.endswith("/trigger-webhook")]
    assert json.loads(trigger.request.body)["webhookId"] == webhook_id
    assert_masked_as_promised(result["webhook_id"], webhook_id, secrets_of(args))
    assert secret not in json.dumps(result)


def test_an_id_given_as_a_list_is_refused_not_sent_as_its_text():
    code, result, calls = run_main(dict(BASE, webhook_id=["00000000"], access_key_secret="00000000"))
    assert_refused(code, result, calls, ["webhook_id"])


# ------------------------------------------------------------------------------ explicit cases

def _body_of_size(size):
    """A JSON object whose compact encoding is exactly ``size`` bytes."""
    body = {"d": ""}
    body["d"] = "x" * (size - len(json.dumps(body, separators=(",", ":"))))
    assert len(json.dumps(body, separators=(",", ":")).encode()) == size
    return body


@pytest.mark.parametrize("as_string", [False, True])
@pytest.mark.parametrize("size", [MAX_BODY_BYTES, MAX_BODY_BYTES + 1], ids=["the limit", "one byte over"])
def test_a_body_of_the_limit_is_sent_and_one_byte_over_refused(size, as_string):
    body = _body_of_size(size)
    code, result, calls = run_main(dict(BASE, request_body=json.dumps(body) if as_string else body))
    if size > MAX_BODY_BYTES:  # the message is test_webhooks.py's (test_body_size_limit)
        assert_refused(code, result, calls, ["request_body"])
    else:
        assert code == 0, result
        trigger, = [call for call in calls if call.request.url.endswith("/trigger-webhook")]
        assert json.loads(trigger.request.body)["requestBody"] == body


def test_multibyte_characters_count_as_encoded():
    # "é" is 6 bytes once JSON-escaped (\u00e9): a body under the limit in characters can be over it in bytes.
    body = {"d": "\u00e9" * (MAX_BODY_BYTES // 6 + 1)}
    code, result, calls = run_main(dict(BASE, request_body=body))
    assert_refused(code, result, calls, ["request_body"])


@pytest.mark.parametrize("extra", [{"webhook": "wh1"}, {"request_body_json": "{}"}, {"headers": {"X": "1"}},
                                   {"validate_cert": False}])
def test_unknown_options_are_refused_by_name(extra):
    code, result, calls = run_main(dict(BASE, **extra))
    assert_refused(code, result, calls, list(extra))
    assert "Unsupported parameters" in result["msg"]

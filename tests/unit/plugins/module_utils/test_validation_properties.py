"""Property-based tests of the option rules: whatever the values, validation either returns normalised
options that are safe to send, or raises InvalidOptions naming the option. Never anything else."""

import json
import re

from hypothesis import given, strategies as st

from ansible_collections.genauth.management.plugins.module_utils import _validation as v
from ansible_collections.genauth.management.plugins.module_utils._connection import TIMEOUT
from ansible_collections.genauth.management.plugins.module_utils._options import options_schema
from ansible_collections.genauth.management.plugins.module_utils._trigger import MAX_BODY_BYTES
from ansible_collections.genauth.management.plugins.module_utils._webhooks import MAX_WEBHOOKS
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_trigger

from tests import guarantees

BASE = dict(host="https://api.genauth.ai", access_key_id="pool", access_key_secret="s3cret", access_token=None,
            userpool_id=None, ca_path=None, timeout=30.0, retries=3, validate_certs=True, webhook_id="wh1",
            request_headers=None, request_body=None)
SCHEMA = options_schema(genauth_webhook_trigger.RULES)
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")

# Text that breaks things: control and format characters, line and paragraph separators, surrogates' neighbours.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3000), max_size=40),
    st.sampled_from(["", " ", "\t", "\r\n", "\x00", "a\nb", "a\rb", "a\x00b", "\x7f", "\x85", "\u2028", "\u200b",
                     "\ufeff", "é", "😀", "x" * 257, " padded ", "https://api.genauth.ai\n"]),
)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | nasty_text
# Any value a playbook can hand to a raw or dict option (YAML gives non-string keys too).
anything = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    nasty_text | st.integers(), inner, max_size=4), max_leaves=12)

# Values of the type Ansible's argument spec already enforced before the rules run. The ids are raw (their rules
# refuse what is not a string, which Ansible's str would convert), so any value reaches them.
TYPED = {
    "host": nasty_text | st.builds(lambda scheme, rest: scheme + rest,
                                   st.sampled_from(["http://", "https://", "ftp://", "HTTPS://", ""]), nasty_text),
    "access_key_id": nasty_text | anything,
    "userpool_id": st.none() | nasty_text | anything,
    "access_token": st.none() | nasty_text,
    "ca_path": st.none() | nasty_text,
    "timeout": st.floats() | st.integers().map(float),
    "retries": st.integers(),
    "webhook_id": nasty_text | anything,
    "request_headers": st.none() | st.dictionaries(nasty_text | st.integers(), anything, max_size=4),
    "request_body": anything | anything.map(lambda value: json.dumps(value, default=str)),
}


def check_accepted(options):
    """What an accepted set of options must look like."""
    headers = options.get("request_headers")
    if headers is not None:
        for name, value in headers.items():
            assert HEADER_NAME.match(name)
            assert isinstance(value, str) and not re.search(r"[\r\n\x00]", value)
            value.encode("latin-1")
    body = options.get("request_body")
    if body is not None:
        assert isinstance(body, dict)
        assert len(json.dumps(body, allow_nan=False, separators=(",", ":")).encode("utf-8")) <= MAX_BODY_BYTES
    assert 0 < options["timeout"] <= TIMEOUT.high and 0 <= options["retries"] <= 10
    # None is an option left out (Ansible's required_one_of asks for webhook_id or webhooks); else a string.
    if options["webhook_id"] is not None:
        assert isinstance(options["webhook_id"], str) and options["webhook_id"]
        assert v.is_header_safe(options["webhook_id"]) or not re.search(r"\s", options["webhook_id"])
    assert isinstance(options["access_key_id"], str) or options["access_key_id"] is None
    for name in ("access_token", "userpool_id"):
        assert options.get(name) in (None, "") or v.is_header_safe(options[name])
    assert re.match(r"^https?://[^\s?#]+\Z", options["host"])


def outcome(params, fuzzed):
    """Validate; accepted options are checked, a refusal must name one of the fuzzed options."""
    try:
        options = v.validate(SCHEMA, params)
    except v.InvalidOptions as exc:
        msg = str(exc)
        assert msg.startswith("Invalid options: ")
        assert any(re.search(r"\b%s\b" % name, msg) for name in fuzzed), msg
        return False
    check_accepted(options)
    return True


@given(st.fixed_dictionaries({}, optional=TYPED))
def test_any_option_values_are_accepted_safely_or_refused_by_name(overrides):
    guarantees.record_fuzz("validation-options", 1)
    outcome(dict(BASE, **overrides), list(overrides) or ["webhook_id"])


@given(TYPED["request_headers"])
def test_any_request_headers(headers):
    guarantees.record_fuzz("validation-headers", 1)
    accepted = outcome(dict(BASE, request_headers=headers), ["request_headers"])
    if headers and any(isinstance(value, str) and re.search(r"[\r\n\x00]", value) for value in headers.values()):
        assert not accepted


@given(TYPED["request_body"])
def test_any_request_body(body):
    guarantees.record_fuzz("validation-body", 1)
    accepted = outcome(dict(BASE, request_body=body), ["request_body"])
    decoded = body
    if isinstance(body, str):
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
    if body is not None and not isinstance(decoded, dict):
        assert not accepted


ITEM = st.fixed_dictionaries({"webhook_id": TYPED["webhook_id"]}, optional={
    "request_headers": TYPED["request_headers"], "request_body": TYPED["request_body"]})


@given(st.lists(ITEM | anything, max_size=5), st.integers(min_value=-2, max_value=40))
def test_any_webhooks_list_and_concurrency(items, concurrency):
    """Each item is held to the rules of a single trigger; a refusal names webhooks[i] or concurrency."""
    guarantees.record_fuzz("validation-webhooks", 1)
    params = dict(BASE, webhook_id=None, webhooks=items, concurrency=concurrency)
    try:
        options = v.validate(SCHEMA, params)
    except v.InvalidOptions as exc:
        assert re.search(r"\b(webhooks(\[\d+\])?|concurrency)\b", str(exc)), str(exc)
        return
    assert 1 <= options["concurrency"] <= 32 and 1 <= len(options["webhooks"]) <= MAX_WEBHOOKS
    for item in options["webhooks"]:
        check_accepted(dict(options, webhook_id=item["webhook_id"], request_headers=item.get("request_headers"),
                            request_body=item.get("request_body")))

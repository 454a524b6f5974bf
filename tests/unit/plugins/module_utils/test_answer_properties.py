"""Property-based tests of what a server may send: any JSON shape and depth, any text, any status, reaches the
user as an envelope or a GenAuthError with a printable message, never as another exception; and masking leaves no
secret in any JSON value, keys included."""

import json
import re
import types

from hypothesis import given, strategies as st

from ansible_collections.genauth.management.plugins.module_utils import _webhook_info
from ansible_collections.genauth.management.plugins.module_utils._envelope import (
    MAX_JSON_DEPTH, Envelope, parse_response,
)
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._masking import SECRET_MASK, Secrets
from ansible_collections.genauth.management.plugins.module_utils._webhooks import (
    GET_WEBHOOK, GET_WEBHOOK_LOGS, LIST_WEBHOOKS, TRIGGER_WEBHOOK, WebhookAPI,
)

UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]")
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=20))
json_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)), max_leaves=25)


# An envelope whose data is the JSON text given.
ENVELOPE = '{"statusCode": 200, "message": "", "requestId": "r", "data": %s}'


@st.composite
def deep(draw, as_text=False):
    """A value nested up to far beyond what json.loads can parse, of arrays, objects or both: the depths around
    the limits (MAX_JSON_DEPTH, the parser's recursion limit) are drawn most. ``as_text``: as JSON text, written
    here level by level (json.dumps cannot go that deep)."""
    value = draw(json_values)
    depth = draw(st.one_of(st.integers(min_value=0, max_value=80),
                           st.sampled_from([MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 500, 990, 1500])))
    pattern = draw(st.integers(min_value=1, max_value=7))
    key = draw(st.text(max_size=3))
    in_lists = [bool((level * pattern) % 3) for level in range(depth)]  # from the innermost level out
    if as_text:
        opening = "".join("[" if in_list else "{%s: " % json.dumps(key) for in_list in reversed(in_lists))
        return opening + json.dumps(value) + "".join("]" if in_list else "}" for in_list in in_lists)
    for in_list in in_lists:
        value = [value] if in_list else {key: value}
    return value


def assert_clean(error):
    assert isinstance(error, GenAuthError)
    assert not UNPRINTABLE.search(error.msg), error.msg


@given(body=st.one_of(deep(as_text=True), st.text(max_size=300), deep(as_text=True).map(lambda data: ENVELOPE % data)),
       status=st.integers(min_value=100, max_value=599),
       location=st.one_of(st.none(), st.text(max_size=50)), reason=st.text(max_size=30))
def test_any_answer_is_an_envelope_or_a_clean_error(body, status, location, reason):
    headers = {"Location": location} if location is not None else {}
    try:
        answer = parse_response(TRIGGER_WEBHOOK, status, reason, headers, body, Secrets(["s3cr3t-value"]))
    except GenAuthError as error:
        assert_clean(error)
    else:
        assert isinstance(answer, Envelope) and 200 <= status < 300
        assert not UNPRINTABLE.search(answer.message)
        # Whatever depth came, what is kept is at most MAX_JSON_DEPTH levels deep.
        depth, stack = 0, [(answer.data, 2)]  # the envelope is level 1
        while stack:
            node, level = stack.pop()
            if isinstance(node, (dict, list)):
                depth = max(depth, level)
                stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
        assert depth <= MAX_JSON_DEPTH


@given(data=st.one_of(
    deep(as_text=True),
    st.builds(lambda count, items: '{"totalCount": %s, "list": %s}' % (json.dumps(count), items), json_values,
              deep(as_text=True)),
    st.fixed_dictionaries({"totalCount": json_values, "list": st.lists(json_values, max_size=3)}).map(json.dumps)))
def test_any_data_from_a_webhook_endpoint_is_read_or_refused_cleanly(data):
    # A client whose every call answers one envelope, as parse_response builds it from the text.
    api = WebhookAPI(types.SimpleNamespace(call=lambda endpoint, **kwargs: parse_response(
        endpoint, 200, "OK", {}, ENVELOPE % data)))
    for call in (lambda: api.get("wh1"), lambda: api.list(page=1, limit=50), api.list_all,
                 lambda: api.recent_logs("wh1", 20), lambda: api.find(name="n")):
        try:
            call()
        except GenAuthError as error:
            assert_clean(error)


@given(log=st.dictionaries(st.sampled_from(["requestHeaders", "responseHeaders", "requestBody", "responseBody",
                                            "webhookId"]), deep(), max_size=5))
def test_any_delivery_log_is_redacted_without_an_error(log):
    redacted, credentials = _webhook_info.redact_log(log, ["whsec-1"])
    assert isinstance(redacted, dict) and isinstance(credentials, list)


secrets = st.text(alphabet=st.characters(blacklist_characters="*", blacklist_categories=("Cs",)), min_size=4,
                  max_size=12)


@given(secret=secrets, value=json_values, where=st.lists(st.sampled_from(["key", "value", "inside"]), min_size=1))
def test_redact_leaves_no_secret_in_any_json_value(secret, value, where):
    for place in where:
        if place == "key":
            value = {secret: value}
        elif place == "value":
            value = [value, secret]
        else:
            value = {"x": "before %s after" % secret, "y": value}
    strings = texts(Secrets([secret]).redact(value))
    assert not any(secret in text for text in strings)
    assert any(SECRET_MASK in text for text in strings)


def texts(value):
    """Every string of a JSON value, its keys included (JSON's own punctuation and numbers are not secrets)."""
    if isinstance(value, dict):
        return [text for pair in value.items() for item in pair for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return [value] if isinstance(value, str) else []


@given(status=st.sampled_from([GET_WEBHOOK, LIST_WEBHOOKS, GET_WEBHOOK_LOGS]), text=st.text(max_size=400))
def test_any_error_page_is_quoted_masked_and_printable(status, text):
    secret = "Zk3-SECRET-wq9"
    page = text[:150] + secret + text[150:]
    try:
        parse_response(status, 502, "Bad Gateway", {}, page, Secrets([secret]))
    except GenAuthError as error:
        assert_clean(error)
        assert not any(secret[start:start + 6] in error.msg for start in range(len(secret) - 6))

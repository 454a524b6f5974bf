"""Masking secrets and escaping a server's control characters (_masking), and the parsing of answers of any shape
and depth (_envelope): examples here, arbitrary input in test_answer_properties.py."""

import json

import pytest

from ansible_collections.genauth.management.plugins.module_utils._envelope import (
    MAX_JSON_DEPTH, OMITTED, SNIPPET_LENGTH, parse_response, prune,
)
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._masking import (
    SECRET_MASK, Secrets, is_secret_value, printable,
)
from ansible_collections.genauth.management.plugins.module_utils._webhooks import GET_WEBHOOK, TRIGGER_WEBHOOK

KEY_SECRET = "Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7jKl0nP+/"  # 43 characters, as GenAuth's


def nested(depth, leaf=1):
    value = leaf
    for dummy in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("text, shown", [
    ("\x1b]0;pwned\x07title", "\\x1b]0;pwned\\x07title"),
    ("line\r\nok: [localhost]", "line\\r\\nok: [localhost]"),
    ("\x1b[2Kerased", "\\x1b[2Kerased"),
    ("tab\tkept, \u202eevil\u2028", "tab\tkept, \\u202eevil\\u2028"),
    ("\x9b31m C1", "\\x9b31m C1"),
    ("plain text, 中文 and émoji ✓", "plain text, 中文 and émoji ✓"),
    (5, "5"),  # any value
])
def test_printable_escapes_what_a_terminal_would_obey(text, shown):
    assert printable(text) == shown


def test_secrets_are_masked_in_every_form_a_server_writes_them():
    secrets = Secrets([KEY_SECRET])
    location = "https://evil.example/login?key=" + KEY_SECRET.replace("+", "%2B").replace("/", "%2F")
    assert KEY_SECRET not in secrets.mask("echo " + KEY_SECRET)
    assert secrets.mask(location) == "https://evil.example/login?key=" + SECRET_MASK
    assert secrets.mask(location.replace("%2B", "%2b")) == "https://evil.example/login?key=" + SECRET_MASK
    assert Secrets(["a b/ü"]).mask("x=a+b%2f%C3%BC&y=a%20b/ü") == "x=%s&y=%s" % (SECRET_MASK, SECRET_MASK)
    assert Secrets(["abcdef", "abcdefghij"]).mask("x abcdefghij y") == "x %s y" % SECRET_MASK, "the longer one whole"


def test_a_mask_or_an_empty_value_is_never_a_secret():
    assert Secrets([KEY_SECRET, SECRET_MASK, "", None]).values() == frozenset([KEY_SECRET])
    assert not is_secret_value("********") and not is_secret_value("  ***  ") and is_secret_value("ab***cd")


def test_shown_masks_then_escapes_then_cuts():
    secrets = Secrets([KEY_SECRET])
    text = "x" * (SNIPPET_LENGTH - 20) + KEY_SECRET + "\x1b[31m" * 50
    shown = secrets.shown(text, SNIPPET_LENGTH)
    assert KEY_SECRET[:10] not in shown and "\x1b" not in shown
    assert shown == ("x" * (SNIPPET_LENGTH - 20) + SECRET_MASK + "\\x1b[31m" * 3)[:SNIPPET_LENGTH] + "..."


def test_redact_masks_secrets_everywhere_keys_included_and_secret_keys_in_any_case():
    value = {KEY_SECRET: 1, "%s!" % KEY_SECRET: [KEY_SECRET, 1, None, {"X-TOKEN": 5}], "n": None,
             "Headers": {"x-token": "abc", "x-other": "has %s inside" % KEY_SECRET, "x-empty-token": ""}}
    assert Secrets([KEY_SECRET, "", None]).redact(value, secret_keys=("X-Token", "x-empty-token")) == {
        SECRET_MASK: 1, SECRET_MASK + "!": [SECRET_MASK, 1, None, {"X-TOKEN": SECRET_MASK}], "n": None,
        "Headers": {"x-token": SECRET_MASK, "x-other": "has %s inside" % SECRET_MASK, "x-empty-token": ""}}
    assert value[KEY_SECRET] == 1, "the original is left as it was"


def test_redact_works_without_recursion():
    deep = Secrets([KEY_SECRET]).redact(nested(5000, KEY_SECRET))
    for dummy in range(5000):
        deep = deep["a"]
    assert deep == SECRET_MASK


def test_keys_that_mask_alike_are_all_kept():
    redacted = Secrets(["s3cret-1", "s3cret-2", "s3cret-3"]).redact({"s3cret-1": 1, "s3cret-2": 2, "s3cret-3": 3})
    assert sorted(redacted.items()) == [(SECRET_MASK, 1), (SECRET_MASK + " (2)", 2), (SECRET_MASK + " (3)", 3)]


def test_prune_replaces_what_is_nested_too_deep():
    value, pruned = prune(nested(MAX_JSON_DEPTH - 1))
    assert not pruned
    value, pruned = prune({"statusCode": 200, "data": nested(MAX_JSON_DEPTH + 5)})
    assert pruned
    for dummy in range(MAX_JSON_DEPTH - 1):
        value = value["data" if "data" in value else "a"]
    assert value == {"a": OMITTED}


def test_an_answer_too_deep_to_parse_is_an_error_that_says_it_may_have_been_processed():
    text = "[" * 3000 + "]" * 3000
    with pytest.raises(GenAuthError) as info:
        parse_response(TRIGGER_WEBHOOK, 200, "OK", {}, text)
    assert "nested too deeply to read" in info.value.msg and info.value.may_have_been_processed
    with pytest.raises(GenAuthError) as info:
        parse_response(GET_WEBHOOK, 502, "Bad Gateway", {}, text)
    assert "HTTP 502" in info.value.msg and not info.value.may_have_been_processed


def test_a_deep_answer_is_pruned_and_says_so():
    body = {"statusCode": 200, "message": "", "data": {"response": nested(500)}}
    answer = parse_response(TRIGGER_WEBHOOK, 200, "OK", {}, json.dumps(body))
    assert answer.pruned and OMITTED in json.dumps(answer.data)


def test_an_error_page_is_masked_before_it_is_cut():
    secrets = Secrets([KEY_SECRET])
    page = "<html>" + "x" * (SNIPPET_LENGTH - 26) + KEY_SECRET + "</html>"
    with pytest.raises(GenAuthError) as info:
        parse_response(GET_WEBHOOK, 500, "Internal Server Error", {}, page, secrets)
    assert SECRET_MASK in info.value.msg
    assert not any(KEY_SECRET[start:start + 8] in info.value.msg for start in range(len(KEY_SECRET) - 8))


def test_a_redirect_to_a_url_that_carries_a_secret_is_shown_masked():
    secrets = Secrets([KEY_SECRET])
    headers = {"Location": "https://evil.example/?s=" + KEY_SECRET.replace("+", "%2B").replace("/", "%2f")}
    with pytest.raises(GenAuthError) as info:
        parse_response(GET_WEBHOOK, 302, "Found", headers, "", secrets)
    assert info.value.msg.startswith("GenAuth get-webhook failed with HTTP 302 Found: the server redirected to "
                                     "https://evil.example/?s=%s;" % SECRET_MASK)


def test_a_server_message_cannot_drive_the_terminal():
    body = {"statusCode": 500, "message": "\x1b]0;pwned\x07\r\nok: [localhost]", "apiCode": "\x1b[2K",
            "requestId": {"nested": "\x1b"}}
    with pytest.raises(GenAuthError) as info:
        parse_response(GET_WEBHOOK, 200, "OK", {}, json.dumps(body))
    msg = info.value.msg
    assert "\x1b" not in msg and "\x07" not in msg and "\n" not in msg and "\r" not in msg
    assert "\\x1b]0;pwned\\x07\\r\\nok: [localhost]" in msg
    assert info.value.request_id is None, "a requestId that is not a string or number is not returned"

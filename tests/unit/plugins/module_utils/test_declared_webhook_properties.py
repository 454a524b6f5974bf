"""Property-based tests of genauth_webhook's option rules: whatever the values, validation either refuses them
naming the option (and the index of an event), or returns values that are safe to send: an http(s) URL with a
host, distinct event names without whitespace, a name and a secret without control characters, a secret an
HTTP header can carry."""

import re
import unicodedata
from urllib.parse import urlsplit

from hypothesis import given, strategies as st

from ansible_collections.genauth.management.plugins.module_utils._validation import (
    InvalidOptions, build_schema, validate,
)
from ansible_collections.genauth.management.plugins.module_utils._declared import DECLARED_RULES

text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3000), max_size=30),
    st.sampled_from(["", " ", "\t", "\r\n", "\x00", "a\nb", "\x7f", "\x85", "\u2028", "\u200b", "\ufeff", "\u00e9",
                     "https://", "http://h", "https://h.example/p?q=1", "ftp://h.example/", "https://h:99999/",
                     "https://[::1]:8/x", "user:created", "login"]),
)
urls = text | st.builds(lambda scheme, rest: scheme + rest, st.sampled_from(["http://", "https://", "HTTPS://"]), text)
# Values that pass, mixed in so that the accepted branch is exercised as much as the refusals.
good = dict(name=st.sampled_from(["deploy", "d\u00e9ploiement prod", "x" * 300]),
            url=st.sampled_from(["https://hooks.example.com/genauth", "http://127.0.0.1:8080/h?x=1"]),
            events=st.lists(st.sampled_from(["test", "login", "user:created"]), min_size=1, max_size=4),
            secret=st.sampled_from(["s3cret", "caf\u00e9 !#$"]), webhook_id=st.sampled_from(["6229ffa0cade3e3d9"]))
RULE_NAMES = r"(webhook_id|name|url|events(\[\d+\])?|secret)"


@given(name=good["name"] | text, url=good["url"] | urls, events=good["events"] | st.lists(text, max_size=4),
       secret=good["secret"] | text, webhook_id=good["webhook_id"] | text)
def test_declared_options_are_refused_by_name_or_safe_to_send(name, url, events, secret, webhook_id):
    params = dict(name=name, url=url, events=events, secret=secret, webhook_id=webhook_id)
    try:
        checked = validate(build_schema(DECLARED_RULES), params)
    except InvalidOptions as exc:
        for part in str(exc)[len("Invalid options: "):].split("; "):
            assert re.match(r"^%s: \S" % RULE_NAMES, part), str(exc)
        return
    parts = urlsplit(checked["url"])
    assert parts.scheme.lower() in ("http", "https") and parts.hostname
    assert checked["events"] and len(set(checked["events"])) == len(checked["events"])
    assert all(event and not any(char.isspace() for char in event) for event in checked["events"])
    assert checked["name"].strip() and not any(unicodedata.category(char) == "Cc" for char in checked["name"])
    assert checked["secret"] and not any(unicodedata.category(char)[0] == "C" for char in checked["secret"])
    checked["secret"].encode("latin-1")

"""Property-based tests of genauth_webhook: whatever the values, validation either refuses them naming the option
(and the index of an event), or returns values that are safe to send: an http(s) URL with a host, distinct event
names without whitespace, a name and a secret without control characters, a secret an HTTP header can carry. And
whatever the user pool and the set declared, the plan carried out leaves a second run nothing to write."""

import re
import unicodedata
from urllib.parse import urlsplit

from hypothesis import given, strategies as st

from ansible_collections.genauth.management.plugins.module_utils._declared import DECLARED_RULES, plan_webhooks
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._resource import UPDATE_SECRET_CHOICES
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    InvalidOptions, build_schema, validate,
)
from ansible_collections.genauth.management.plugins.module_utils._webhooks import CONTENT_TYPES

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


# ---------------------------------------------------------------------------------------------- the plan of a set

names = st.sampled_from(["team-a deploys", "team-a audit", "team-a new", "team-b deploys", "console"])
events = st.lists(st.sampled_from(["test", "login", "user:created"]), min_size=1, max_size=3, unique=True)
pools = st.lists(st.fixed_dictionaries({
    "name": names, "url": st.sampled_from(["https://h.example/1", "https://h.example/2"]), "events": events,
    "contentType": st.sampled_from(CONTENT_TYPES), "enabled": st.booleans(), "secret": st.sampled_from(["", "s1"]),
}), max_size=4).map(lambda hooks: [dict(hook, webhookId="w%d" % index) for index, hook in enumerate(hooks)])
declarations = st.lists(st.fixed_dictionaries({
    # Mostly by name, and mostly with url and events, so that new webhooks are planned as often as the rest.
    "name": names, "webhook_id": st.sampled_from([None] * 6 + ["w0", "w1", "w9"]),
    "url": st.sampled_from([None] + ["https://h.example/1", "https://h.example/3"] * 2), "events": events | events | st.none(),
    "content_type": st.none() | st.sampled_from(CONTENT_TYPES), "enabled": st.none() | st.booleans(),
    "secret": st.none() | st.sampled_from(["s1", "s2"]), "state": st.sampled_from(["present", "present", "absent"]),
    "update_secret": st.sampled_from(UPDATE_SECRET_CHOICES),
}), min_size=1, max_size=4, unique_by=(lambda item: item["name"]))


def carried_out(pool, steps):
    """The user pool after the steps' writes, each making the webhook what the step predicts."""
    held = dict((webhook["webhookId"], webhook) for webhook in pool)
    for number, step in enumerate(steps):
        if step.action == "create":
            held["new%d" % number] = dict(step.after, webhookId="new%d" % number)
        elif step.action == "update":
            held[step.current["webhookId"]] = step.after
        elif step.action == "delete":
            del held[step.current["webhookId"]]
    return list(held.values())


@given(pool=pools, declared=declarations, purge=st.booleans(), purge_names=st.none() | st.just(["team-a *"]))
def test_a_second_run_of_a_plan_plans_nothing(pool, declared, purge, purge_names):
    """Whatever the user pool and the set: a plan either is refused whole, or once carried out leaves nothing to
    write, deletes only what a declaration or purge within purge_names says, and leaves every other webhook as it
    was."""
    try:
        steps = plan_webhooks(pool, declared, purge, purge_names)
    except GenAuthError as error:
        assert error.msg.endswith("Nothing was changed.") and re.match(r"^webhooks\[\d+\]: ", error.msg)
        return
    assert [step.label for step in steps[:len(declared)]] == ["webhooks[%d]" % index for index in range(len(declared))]
    selected = set(step.current["webhookId"] for step in steps[:len(declared)] if step.current)
    for step in steps[len(declared):]:
        assert step.action == "delete" and purge and step.current["webhookId"] not in selected
        assert purge_names is None or step.current["name"].startswith("team-a ")
    after = carried_out(pool, steps)
    assert [step.action for step in plan_webhooks(after, declared, purge, purge_names)] == [None] * len(declared)
    untouched = [webhook for webhook in pool if webhook["webhookId"] not in selected and not (
        purge and (purge_names is None or webhook["name"].startswith("team-a ")))]
    assert all(webhook in after for webhook in untouched)

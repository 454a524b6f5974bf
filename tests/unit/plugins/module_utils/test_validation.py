"""How rules are written and checked: ranges, lists of items, and messages that name what broke a rule."""

import pytest

from ansible_collections.genauth.management.plugins.module_utils import _validation as v
from ansible_collections.genauth.management.tests.unit.helpers import refusal

LIMITS = v.Bounds(low=1, high=5, default=2)
RULES = {
    "count": v.whole_number(LIMITS),
    "wait": v.seconds(LIMITS),
    "things": v.list_of({"thing_id": v.identifier, "note": v.identifier}, most=3, noun="thing", key="thing_id"),
}
SCHEMA = v.build_schema(RULES)


def refused(**options):
    return refusal(SCHEMA, options)


def test_unset_options_are_left_to_ansible_and_values_within_the_rules_kept():
    assert v.validate(SCHEMA, {"count": None, "wait": None, "things": None, "other": "kept"}) == {
        "count": None, "wait": None, "things": None, "other": "kept"}
    things = [{"thing_id": "a", "note": None}, {"thing_id": "b"}]
    assert v.validate(SCHEMA, {"count": 5, "wait": 5, "things": things}) == {"count": 5, "wait": 5.0, "things": things}


@pytest.mark.parametrize("options, rule", [
    (dict(count=0), "count: must be between 1 and 5"), (dict(count=6), "count: must be between 1 and 5"),
    (dict(count=True), "count: must be a whole number"), (dict(count=2.0), "count: must be a whole number"),
    (dict(wait=1), "wait: must be greater than 1 and at most 5 seconds"),
    (dict(wait=5.5), "wait: must be greater than 1 and at most 5"),
    (dict(wait=float("nan")), "wait: must be a number of seconds"),
    (dict(wait="3"), "wait: must be a number of seconds"),
    # list_of names the item and its key.
    (dict(things="a"), "things: must be a list of things, each a dictionary with thing_id"),
    (dict(things=[]), "things: must list at least one thing"),
    (dict(things=[{"thing_id": "a"}] * 4), "things: lists 4 things; the limit is 3 per task"),
    (dict(things=["a"]), "things[0]: must be a dictionary with thing_id"),
    (dict(things=[{"note": "n"}]), "things[0]['thing_id']: required key not provided"),
    (dict(things=[{"thing_id": "a"}, {"thing_id": "b c"}]), "things[1]['thing_id']: must not contain whitespace"),
])
def test_a_value_that_breaks_a_rule_is_refused_naming_it(options, rule):
    assert rule in refused(**options)


def test_every_broken_rule_is_reported_once():
    msg = refused(count=0, wait=0, things=[{"thing_id": ""}, {"thing_id": ""}])
    assert msg.startswith("Invalid options: ")
    assert msg.count("count:") == 1 and msg.count("wait:") == 1
    assert "things[0]['thing_id']" in msg and "things[1]['thing_id']" in msg


@pytest.mark.parametrize("value, rule", [
    ("", "must be a non-empty string"),
    ("a b", "must not contain whitespace or control characters"),
    ("a\x01", "must not contain whitespace or control characters"),
    ("wh\u0085x", "must not contain whitespace or control characters"),
    ("wh\u200bx", "must not contain whitespace or control characters"),
    ("x" * (v.MAX_ID_LENGTH + 1), "must be at most %d characters" % v.MAX_ID_LENGTH),
])
def test_identifier(value, rule):
    with pytest.raises(v.Invalid, match=rule):
        v.identifier(value)
    assert v.identifier("x" * v.MAX_ID_LENGTH)


@pytest.mark.parametrize("value, rule", [
    (0o123, "must be a string, not the number 83: put the value in quotes, since YAML reads unquoted digits as a "
            "number (0123 even as the octal number 83)"),
    (6229, "must be a string, not the number 6229: put the value in quotes"),
    (1.5, "must be a string, not the number 1.5: put the value in quotes"),
    (True, "must be a string, not a boolean: put the value in quotes"),
    (["cc02"], "must be one string, not a list"),
    (("cc02",), "must be one string, not a list"),
    ({"id": "cc02"}, "must be a string, not a dictionary"),
    (b"cc02", "must be a string, not bytes"),
])
def test_an_identifier_that_is_not_a_string_is_refused_not_converted(value, rule):
    for check in (v.identifier, v.header_safe_identifier, v.given_as_string):
        with pytest.raises(v.Invalid) as refused:
            check(value)
        assert str(refused.value).startswith(rule)
    assert v.given_as_string("") == "" and v.identifier("0123") == "0123"


def test_a_refusal_is_split_by_the_items_it_concerns():
    msg = refused(count=0, things=[{"thing_id": "a", "note": ""}, "x", {"thing_id": 5}])
    by_item, others = v.item_refusals(msg, "things")
    assert by_item == {0: ["note: must be a non-empty string"], 1: ["must be a dictionary with thing_id"],
                       2: ["thing_id: must be a string, not the number 5: put the value in quotes, since YAML reads "
                           "unquoted digits as a number (0123 even as the octal number 83)"]}
    assert others == ["count: must be between 1 and 5"]
    # Deeper paths keep their keys; a message that holds "; " itself stays whole.
    assert v.item_refusals("Invalid options: things[3]['note']['X-A']: a; b; things[3]['thing_id']: c", "things") == (
        {3: ["note['X-A']: a; b", "thing_id: c"]}, [])
    assert v.item_refusals("Invalid options: host: must not contain credentials; use x", "things") == (
        {}, ["host: must not contain credentials; use x"])
    assert v.item_refusals("GenAuth API error on get-webhook: ...", "things") == ({}, [])
    assert v.item_refusals(None, "things") == ({}, [])

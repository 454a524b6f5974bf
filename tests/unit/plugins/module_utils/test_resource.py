"""The rules every declarative and info module shares: pages, names, comparing, the secret, masking and the diff."""

import pytest

from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._resource import (
    MAX_PAGES, SECRET_CHANGED, SECRET_MASK, as_set, changed_fields, comparable, diff, find_by_name, is_readable_secret,
    masked, read_pages, secret_needs_sending,
)


def pager(count, total="count"):
    """Pages of ``count`` items, and the totalCount each page says (the true count unless given)."""
    pages = []

    def fetch(page, limit):
        pages.append((page, limit))
        items = list(range(count))[(page - 1) * limit:page * limit]
        return items, count if total == "count" else total
    return fetch, pages


@pytest.mark.parametrize("count, total, most, expected_pages", [
    (0, "count", None, 1), (50, "count", None, 1), (51, "count", None, 2), (120, "count", None, 3),
    (120, None, None, 3),  # no totalCount: a short page ends it
    (120, 10, None, 1),  # a wrong totalCount cannot make it read forever
    (120, "count", 60, 2), (120, "count", 50, 1), (120, "count", 200, 3),
])
def test_read_pages(count, total, most, expected_pages):
    fetch, pages = pager(count, total)
    items = read_pages(fetch, 50, "list-webhooks", most=most)
    expected = list(range(count))[:most] if most else list(range(count))
    assert items == (expected if total != 10 else list(range(50)))
    assert [page for page, limit in pages] == list(range(1, expected_pages + 1))
    assert set(limit for page, limit in pages) == {50}


def test_find_by_name_finds_none_one_or_several():
    items = [{"name": "a", "id": 1}, {"name": "b", "id": 2}, {"name": "a", "id": 3}, None]
    assert [item["id"] for item in find_by_name(items, "a")] == [1, 3]
    assert find_by_name(items, "A") == [] and len(find_by_name(items, "b")) == 1


def test_lists_compared_as_sets():
    assert as_set(["b", "a", "b"]) == as_set(["a", "b"]) == ["a", "b"] and as_set(None) == []
    current = {"events": ["a", "b"], "name": "n", "enabled": False}
    declared = {"events": ["b", "a", "a"], "name": "n", "enabled": None, "url": None}
    assert changed_fields(current, declared, {"events": as_set}) == {}
    assert changed_fields(current, dict(declared, enabled=True, events=["a"]), {"events": as_set}) == {
        "enabled": True, "events": ["a"]}


@pytest.mark.parametrize("value, readable", [
    ("s3cret", True), ("", False), (None, False), ("********", False), ("ab***yz", False), ("a*b", True),
])
def test_what_counts_as_a_secret_shown_in_clear(value, readable):
    assert is_readable_secret(value) is readable


@pytest.mark.parametrize("current, declared, creating, update_secret, expected", [
    ("old", None, False, "always", False),  # not given: never touched
    ("old", "old", False, "always", False),  # shown and equal
    ("old", "new", False, "on_create", True),  # shown and different: a change, whatever update_secret says
    ("********", "new", False, "always", True),  # hidden: always sends
    ("********", "new", False, "on_create", False),  # hidden: on_create leaves it
    ("", "new", False, "always", True),
    (None, "new", False, "on_create", False),
    ("", "new", True, "on_create", True),  # a new resource gets its secret
    ("ab***cd", "ab***cd", False, "always", False),  # a secret that looks masked but is the one given
])
def test_when_a_secret_is_sent(current, declared, creating, update_secret, expected):
    assert secret_needs_sending(current, declared, creating, update_secret) is expected


def test_masked_and_comparable_hide_secrets_and_server_fields():
    resource = {"name": "n", "secret": "s3cret", "events": ["b", "a"], "updatedAt": "t1"}
    assert masked(resource, ("secret",)) == dict(resource, secret=SECRET_MASK) and resource["secret"] == "s3cret"
    assert masked(dict(resource, secret=""), ("secret",))["secret"] == ""
    assert comparable(resource, ("name", "events", "secret"), {"events": as_set}, ("secret",)) == {
        "name": "n", "events": ["a", "b"], "secret": SECRET_MASK}
    assert comparable(None, ("name",)) == {}


def test_diff_shows_a_changed_secret_without_either_value():
    before = {"name": "n", "secret": "old", "updatedAt": "t0"}
    after = {"name": "n", "secret": "new", "updatedAt": "t1"}
    shown = diff(before, after, ("name", "secret"), secret_fields=("secret",), changed_secrets=("secret",))
    assert shown == {"before": {"name": "n", "secret": SECRET_MASK}, "after": {"name": "n", "secret": SECRET_CHANGED}}
    assert diff(before, None, ("name",)) == {"before": {"name": "n"}, "after": {}}
    # A removed resource has no secret to show as changed.
    assert diff(before, None, ("secret",), secret_fields=("secret",), changed_secrets=("secret",))["after"] == {}


def test_read_pages_stops_when_a_server_ignores_page():
    """A server that sends the first page for every page number, without a usable totalCount."""
    calls = []

    def fetch(page, limit):
        calls.append(page)
        return list(range(limit)), "many"
    assert read_pages(fetch, 50, "list-webhooks") == list(range(50)) and calls == [1, 2]


def endless(total, calls):
    """A server whose pages are always full and always new."""
    def fetch(page, limit):
        calls.append(page)
        return [page * 1000 + index for index in range(limit)], total
    return fetch


@pytest.mark.parametrize("total", [None, "many", -1, True, 10 ** 9])
def test_read_pages_never_reads_more_than_max_pages(total):
    calls = []
    with pytest.raises(GenAuthError) as info:
        read_pages(endless(total, calls), 50, "list-webhooks", key=lambda item: item)
    assert info.value.msg.startswith("GenAuth list-webhooks ") and "this client reads" in info.value.msg
    # A count beyond the cap is refused at once; without a usable one, the cap is read, then refused.
    assert calls == ([1] if total == 10 ** 9 else list(range(1, MAX_PAGES + 1)))


def test_read_pages_reads_no_page_beyond_what_the_count_allows():
    calls = []
    assert len(read_pages(endless(120, calls), 50, "list-webhooks", key=lambda item: item)) == 150
    assert calls == [1, 2, 3]


def test_read_pages_keeps_an_item_that_moved_between_pages_once():
    pages = {1: [{"id": n} for n in range(50)], 2: [{"id": 49}, {"id": 50}]}

    def fetch(page, limit):
        return pages.get(page, []), None
    items = read_pages(fetch, 50, "list-webhooks", key=lambda item: item["id"])
    assert [item["id"] for item in items] == list(range(51))

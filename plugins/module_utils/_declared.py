# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""A webhook declared by ``genauth_webhook``: what each option may hold, how a declaration is compared with the
webhook GenAuth holds (normalised, the secret as the API lets it be compared), and making the one what the other
declares, with check and diff mode."""

import difflib
import unicodedata
from urllib.parse import urlsplit

from ansible_collections.genauth.management.plugins.module_utils import _resource
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    has_space_or_control, identifier, reject,
)
from ansible_collections.genauth.management.plugins.module_utils._webhooks import (
    DEFAULT_CONTENT_TYPE, GET_EVENT_LIST, WEBHOOK_SECRET_FIELDS, webhook_result,
)

# How many valid event names a refusal suggests for each unknown one.
EVENT_SUGGESTIONS = 3


# Option of genauth_webhook -> field of the WebhookDto, in the order a diff shows them.
DECLARED_FIELDS = (
    ("name", "name"), ("url", "url"), ("events", "events"), ("content_type", "contentType"),
    ("enabled", "enabled"), ("secret", "secret"),
)
WEBHOOK_FIELDS = tuple(field for dummy, field in DECLARED_FIELDS)
# Events are compared as a set: their order and repeats mean nothing to GenAuth.
WEBHOOK_NORMALIZERS = {"events": _resource.as_set}


def webhook_name(value):
    """A webhook's name: a non-empty string without control characters."""
    if not isinstance(value, str) or not value.strip():
        reject("must be a non-empty string")
    if any(unicodedata.category(char) == "Cc" for char in value):
        reject("must not contain control characters")
    return value


def webhook_url(value):
    """The subscriber's URL: http or https, with a host, without whitespace."""
    if not isinstance(value, str) or not value:
        reject("must be an http or https URL")
    if has_space_or_control(value):
        reject("must not contain whitespace or control characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        reject("must start with http:// or https://")
    try:
        host = parts.hostname
        parts.port
    except ValueError:
        reject("has an invalid host or port")
    if not host:
        reject("must name a host, as in https://hooks.example.com/genauth")
    return value


def event_names(value):
    """At least one event name, each a non-empty string without whitespace; repeats are dropped, order kept."""
    if not isinstance(value, list) or not value:
        reject("must list at least one event name")
    for index, name in enumerate(value):
        if not isinstance(name, str) or not name or has_space_or_control(name):
            reject("must be an event name (a non-empty string without whitespace)", index)
    return list(dict.fromkeys(value))


def webhook_secret(value):
    """A webhook secret: GenAuth sends it in a header of every delivery, so printable Latin-1 only."""
    if not isinstance(value, str) or not value:
        reject("must be a non-empty string (leave secret out to keep the current one)")
    if any(unicodedata.category(char)[0] == "C" for char in value):
        reject("must not contain control characters (it is sent in an HTTP header)")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        reject("must contain only Latin-1 characters (it is sent in an HTTP header)")
    return value


# The rules of genauth_webhook's own options (content_type, state and update_secret are choices).
DECLARED_RULES = {
    "webhook_id": identifier,
    "name": webhook_name,
    "url": webhook_url,
    "events": event_names,
    "secret": webhook_secret,
}


def declared_fields(options):
    """The WebhookDto fields the task gives (None for those it leaves out)."""
    return dict((field, options.get(option)) for option, field in DECLARED_FIELDS)


def creation_fields(options):
    """The fields of a new webhook: what the task gives, and the defaults of a new one (content type,
    enabled). Defaults apply here only: an existing webhook keeps what the task leaves out."""
    fields = declared_fields(options)
    if fields["contentType"] is None:
        fields["contentType"] = DEFAULT_CONTENT_TYPE
    if fields["enabled"] is None:
        fields["enabled"] = True
    return fields


def missing_for_create(options):
    """The options a new webhook needs that the task leaves out."""
    return [option for option in ("name", "url", "events") if options.get(option) is None]


def plan_update(current, options):
    """What an update must send to make ``current`` (a WebhookDto) what the task declares.

    Returns ``(changes, secret_changed)``: the fields that differ (the secret only when it must be sent, see
    ``_resource.secret_needs_sending``), and whether the secret is among them.
    """
    declared = declared_fields(options)
    secret = declared.pop("secret")
    changes = _resource.changed_fields(current, declared, WEBHOOK_NORMALIZERS)
    secret_changed = _resource.secret_needs_sending(current.get("secret"), secret, False, options.get("update_secret"))
    if secret_changed:
        changes["secret"] = secret
    return changes, secret_changed


def webhook_diff(before, after, secret_changed=False):
    """The ``diff`` of a webhook (None for no webhook): the declared fields, events as a set, secret masked."""
    return _resource.diff(before, after, WEBHOOK_FIELDS, WEBHOOK_NORMALIZERS, WEBHOOK_SECRET_FIELDS,
                          WEBHOOK_SECRET_FIELDS if secret_changed else ())


def catalogue_names(event_list):
    """The event names get-webhook-event-list offers (``data.events[].value``)."""
    events = event_list.get("events") if isinstance(event_list, dict) else None
    names = []
    for event in events if isinstance(events, list) else ():
        if isinstance(event, dict) and isinstance(event.get("value"), str):
            names.append(event["value"])
        elif isinstance(event, str):
            names.append(event)
    return names


def unknown_events(events, known):
    """A message naming each event that ``known`` (the catalogue's names) does not offer, with the closest
    valid names; None when every event is known."""
    known = list(known)
    problems = []
    for event in events:
        if event in known:
            continue
        close = difflib.get_close_matches(event, known, n=EVENT_SUGGESTIONS)
        problems.append("%r (%s)" % (event, "did you mean %s?" % ", ".join(repr(name) for name in close)
                                     if close else "no similar event"))
    if not problems:
        return None
    return ("Invalid options: events: unknown event%s %s. GenAuth offers: %s. Nothing was changed."
            % ("s" if len(problems) > 1 else "", "; ".join(problems), ", ".join(sorted(known)) or "no events"))


# ---------------------------------------------------------------------------------------------- making it so

def call_arguments(fields):
    """WebhookDto fields as the keyword arguments of :meth:`WebhookAPI.create` and :meth:`WebhookAPI.update`."""
    return dict((option, fields[field]) for option, field in DECLARED_FIELDS if fields.get(field) is not None)


def check_events(api, events):
    """Refuse ``events`` that get-webhook-event-list does not offer, before anything is written. A server
    whose catalogue is empty is left to judge the names itself."""
    known = catalogue_names(api.event_list())
    message = unknown_events(events, known) if known else None
    if message:
        raise GenAuthError(message, endpoint=GET_EVENT_LIST.name)


def declared_match(found, options):
    """The webhook a task declares, None when there is none; several with its name fail, naming their ids."""
    if len(found) > 1:
        raise GenAuthError(
            "%d webhooks are named %r (%s): GenAuth does not keep names unique, so the task cannot tell which one "
            "it declares. Give webhook_id to choose one (and remove or rename the others). Nothing was changed."
            % (len(found), options["name"], ", ".join(str(webhook.get("webhookId")) for webhook in found)))
    return found[0] if found else None


def declare_webhook(api, options, check_mode, on_secret):
    """Make the webhook what ``options`` (genauth_webhook's checked options) declare, and return the result:
    ``changed``, ``webhook_id``, ``webhook`` (the state after the run, secret masked, ``has_secret``) and
    ``diff``. In check mode nothing is written and the result is the one a real run would give.

    :param on_secret: called with every secret read, so that it is masked from then on.
    Raises :class:`GenAuthError` for API failures and for declarations that cannot be carried out.
    """
    webhook_id = options.get("webhook_id")
    found = api.find(webhook_id=webhook_id, name=None if webhook_id else options.get("name"))
    for webhook in found:
        on_secret(webhook.get("secret"))
    current = declared_match(found, options)
    result = dict(changed=False, webhook_id=current.get("webhookId") if current else None)

    if options["state"] == "absent":
        if current is not None:
            if not check_mode:
                api.delete([current["webhookId"]])
            result["changed"] = True
        return dict(result, webhook={}, diff=webhook_diff(current, None))

    if current is None:
        return dict(result, **_create(api, options, check_mode, on_secret))

    changes, secret_changed = plan_update(current, options)
    after = current
    if changes:
        if "events" in changes:
            check_events(api, changes["events"])
        after = dict(current, **changes)
        if not check_mode:
            answer = api.update(current["webhookId"], **call_arguments(changes))
            # The answer is the updated webhook; a server that sends none leaves the request's own effect.
            after = answer if isinstance(answer, dict) and answer else after
            on_secret(after.get("secret"))
    return dict(result, changed=bool(changes), webhook=webhook_result(after),
                diff=webhook_diff(current, after, secret_changed))


def _create(api, options, check_mode, on_secret):
    if options.get("webhook_id"):
        raise GenAuthError(
            "Webhook %s does not exist in this user pool, and a webhook cannot be created with a given id. Leave "
            "webhook_id out and give name, url and events to create one; use state=absent to accept a missing "
            "one. Nothing was changed." % options["webhook_id"], status_code=404)
    missing = missing_for_create(options)
    if missing:
        raise GenAuthError(
            "No webhook is named %r, and creating one needs %s. Nothing was changed."
            % (options.get("name"), " and ".join(missing)))
    fields = creation_fields(options)
    check_events(api, fields["events"])
    after = dict((field, value) for field, value in fields.items() if value is not None)
    if not check_mode:
        after = api.create(**call_arguments(fields))
        on_secret(after.get("secret"))
    return dict(changed=True, webhook_id=after.get("webhookId"), webhook=webhook_result(after),
                diff=webhook_diff(None, after, secret_changed=fields["secret"] is not None))

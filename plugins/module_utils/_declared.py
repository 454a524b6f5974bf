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
from ansible_collections.genauth.management.plugins.module_utils._options import unexpected_error
from ansible_collections.genauth.management.plugins.module_utils._parallel import run_each
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    has_space_or_control, identifier, list_of, reject,
)
from ansible_collections.genauth.management.plugins.module_utils._webhooks import (
    DEFAULT_CONTENT_TYPE, GET_EVENT_LIST, MAX_WEBHOOKS, WEBHOOK_SECRET_FIELDS, webhook_result,
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


def name_patterns(value):
    """purge_names: at least one pattern (an empty list would neither widen nor narrow purge: it is a mistake)."""
    if not isinstance(value, list) or not value:
        reject("must list at least one name pattern (leave purge_names out only if purge may delete every "
               "webhook the list does not declare)")
    for index, pattern in enumerate(value):
        if not isinstance(pattern, str) or not pattern:
            reject("must be a non-empty name pattern", index)
    return value


# The rules of one declaration, given as the task's options or as an item of webhooks (content_type, state and
# update_secret are choices).
DECLARED_RULES = {
    "webhook_id": identifier,
    "name": webhook_name,
    "url": webhook_url,
    "events": event_names,
    "secret": webhook_secret,
}
_declarations = list_of(DECLARED_RULES, MAX_WEBHOOKS, noun="webhook", empty=True)


def declaration_list(value):
    """webhooks: declarations held to the rules of one, each webhook_id and name at most once in the list."""
    items = _declarations(value)
    for option in ("webhook_id", "name"):
        first = {}
        for index, item in enumerate(items):
            if item.get(option) is not None:
                if item[option] in first:
                    reject("repeats webhooks[%d]['%s'] (%r): declare each webhook once"
                           % (first[item[option]], option, item[option]), index, option)
                first[item[option]] = index
    return items


def purge_scope(options):
    """purge_names narrows purge: without purge=true it would delete nothing, which is not what it reads like."""
    if options.get("purge_names") is not None and not options.get("purge"):
        reject("narrows what purge deletes and deletes nothing itself: set purge: true, or leave purge_names out",
               "purge_names")
    return options


SET_RULES = dict(DECLARED_RULES, webhooks=declaration_list, purge_names=name_patterns)


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


def unknown_events(events, known, option="events"):
    """What is wrong with ``option``: each of its ``events`` that ``known`` (the catalogue's names) does not offer,
    with the closest valid names (``events: unknown event 'x' (did you mean 'y'?)``); None when every one is known."""
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
    return "%s: unknown event%s %s" % (option, "s" if len(problems) > 1 else "", "; ".join(problems))


# ---------------------------------------------------------------------------------------------- making it so

NOTHING_CHANGED = "Nothing was changed."
# The label of a webhook that purge deletes, and what it is declared as.
PURGE, PURGED = "purge", {"state": "absent"}


def call_arguments(fields):
    """WebhookDto fields as the keyword arguments of :meth:`WebhookAPI.create` and :meth:`WebhookAPI.update`."""
    return dict((option, fields[field]) for option, field in DECLARED_FIELDS if fields.get(field) is not None)


def declared_match(found, options):
    """The webhook a declaration selects, None when there is none; several with its name fail, naming their ids."""
    if len(found) > 1:
        raise GenAuthError(
            "%d webhooks are named %r (%s): GenAuth does not keep names unique, so the task cannot tell which one "
            "it declares. Give webhook_id to choose one (and remove or rename the others). %s"
            % (len(found), options["name"], ", ".join(str(webhook.get("webhookId")) for webhook in found),
               NOTHING_CHANGED))
    return found[0] if found else None


class Step(object):
    """The one write (or none) that makes a webhook what a declaration says, planned before anything is written.

    ``action`` is None (nothing differs), ``create``, ``update`` or ``delete``; ``fields`` are the WebhookDto fields
    the write sends; ``after`` is the webhook as the write leaves it (None once deleted), predicted until the write
    is done. ``label`` names the declaration in messages: ``webhooks[2]``, ``purge`` for a webhook that ``purge``
    deletes, None for the one declaration of a task. Raises :class:`GenAuthError` for a declaration that cannot be
    carried out.
    """

    def __init__(self, current, options, label=None):
        self.current, self.label = current, label
        self.action, self.fields, self.after, self.secret_changed = None, {}, current, False
        if options["state"] == "absent":
            self.after = None
            if current is not None:
                self.action = "delete"
        elif current is None:
            self._create(options)
        else:
            self.fields, self.secret_changed = plan_update(current, options)
            if self.fields:
                self.action, self.after = "update", dict(current, **self.fields)

    def _create(self, options):
        if options.get("webhook_id"):
            raise GenAuthError(
                "Webhook %s does not exist in this user pool, and a webhook cannot be created with a given id. Leave "
                "webhook_id out and give name, url and events to create one; use state=absent to accept a missing "
                "one. %s" % (options["webhook_id"], NOTHING_CHANGED), status_code=404)
        missing = missing_for_create(options)
        if missing:
            raise GenAuthError("No webhook is named %r, and creating one needs %s. %s"
                               % (options.get("name"), " and ".join(missing), NOTHING_CHANGED))
        self.action, self.fields = "create", creation_fields(options)
        self.after = dict((field, value) for field, value in self.fields.items() if value is not None)
        self.secret_changed = self.fields["secret"] is not None

    def option(self, name):
        """How a refusal names one of the declaration's options: ``events``, or ``webhooks[2]['events']``."""
        return "%s[%r]" % (self.label, name) if self.label else name

    def write(self, api, on_secret):
        """Make the write (if any) and return the webhook as it left it: GenAuth's answer, or the request's own
        effect when the answer holds no webhook. ``on_secret`` gets the secret of the answer."""
        if self.action == "delete":
            api.delete([self.current["webhookId"]])
            return None
        if self.action is None:
            return self.after
        if self.action == "create":
            after = api.create(**call_arguments(self.fields))
        else:
            # An answer that holds only some fields completes the request's own effect.
            after = dict(self.after, **(api.update(self.current["webhookId"], **call_arguments(self.fields)) or {}))
        on_secret(after.get("secret"))
        return after

    def result(self, after):
        """What a declaration returns once ``after`` is the webhook (see :func:`declare_webhook`)."""
        return dict(changed=self.action is not None, webhook_id=(after or self.current or {}).get("webhookId"),
                    webhook=webhook_result(after), diff=webhook_diff(self.current, after, self.secret_changed))

    def summary(self, after):
        """The webhook written, as ``created``, ``updated`` and ``deleted`` list it: its id and name."""
        webhook = after or self.current or {}
        return dict(webhook_id=webhook.get("webhookId"), name=webhook.get("name"))

    def describe(self):
        """The write, in a message: ``update of webhook 'deploys' (6229...) (webhooks[2])``."""
        webhook = self.after or self.current or {}
        return "%s of webhook %r%s%s" % (self.action, webhook.get("name"),
                                         " (%s)" % self.current["webhookId"] if self.current else "",
                                         " (%s)" % self.label if self.label else "")


def check_events(api, steps):
    """Refuse the events that the writes of ``steps`` would send and get-webhook-event-list does not offer, before
    anything is written. The catalogue is read once, and only when a write sends events; a server whose catalogue
    is empty is left to judge the names itself."""
    sent = [step for step in steps if step.action in ("create", "update") and step.fields.get("events") is not None]
    if not sent:
        return
    known = catalogue_names(api.event_list())
    problems = [problem for problem in (unknown_events(step.fields["events"], known, step.option("events"))
                                        for step in sent) if problem] if known else []
    if problems:
        raise GenAuthError("Invalid options: %s. GenAuth offers: %s. %s"
                           % ("; ".join(problems), ", ".join(sorted(known)), NOTHING_CHANGED),
                           endpoint=GET_EVENT_LIST.name)


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
    step = Step(declared_match(found, options), options)
    check_events(api, [step])
    return step.result(step.after if check_mode else step.write(api, on_secret))


# ---------------------------------------------------------------------------------------------- a set of webhooks

class WritesFailed(GenAuthError):
    """Some writes of a set failed: the task fails with ``result``, which reports the others as done."""

    def __init__(self, msg, result):
        super(WritesFailed, self).__init__(msg)
        self.result = result

    def result_fields(self):
        return dict(self.result)


def plan_webhooks(webhooks, declarations, purge=False, purge_names=None):
    """The steps that make ``webhooks`` (every WebhookDto of the user pool) what ``declarations`` (the checked
    items of ``webhooks``, each with its ``state`` and ``update_secret``) say: one :class:`Step` per declaration, in
    order, then, with ``purge``, one delete for each webhook that no declaration selects and whose name matches
    ``purge_names`` (any name without them). Pure: nothing is read or written.

    A declaration selects its webhook by id (which must be listed), else by name. Every declaration is planned, and
    any that cannot be (an ambiguous name, an unknown id, a webhook that two declarations select, a new webhook
    without url or events) fails the whole plan with one :class:`GenAuthError` naming each.
    """
    by_id = dict((webhook["webhookId"], webhook) for webhook in webhooks)
    steps, problems, selected = [], [], {}
    for index, options in enumerate(declarations):
        label = "webhooks[%d]" % index
        webhook_id = options.get("webhook_id")
        try:
            found = ([by_id[webhook_id]] if webhook_id in by_id else []) if webhook_id else \
                _resource.find_by_name(webhooks, options["name"])
            current = declared_match(found, options)
            if current is not None and current["webhookId"] in selected:
                raise GenAuthError("selects webhook %s, which %s declares already: declare each webhook once. %s"
                                   % (current["webhookId"], selected[current["webhookId"]], NOTHING_CHANGED))
            steps.append(Step(current, options, label))
        except GenAuthError as error:
            problems.append("%s: %s" % (label, error.msg[:-len(NOTHING_CHANGED)].rstrip()))
            continue
        if current is not None:
            selected[current["webhookId"]] = label
    if problems:
        raise GenAuthError("%s %s" % (" ".join(problems), NOTHING_CHANGED))
    left = [webhook for webhook in webhooks if webhook["webhookId"] not in selected] if purge else []
    if purge_names is not None:
        left = _resource.named_like(left, purge_names)
    return steps + [Step(webhook, PURGED, PURGE) for webhook in left]


def declare_webhooks(api, options, check_mode, on_secret, diff):
    """Make the user pool's webhooks what ``options["webhooks"]`` declare (and, with ``purge``, delete the others
    that ``purge_names`` allows), and return the result: ``changed``, ``results`` (one entry per declaration, in
    order, as :func:`declare_webhook` returns it, with ``failed``), ``created``, ``updated`` and ``deleted`` (the
    ids and names written), and, when ``diff``, the ``diff`` of every change.

    Every page of the list is read once and every declaration planned before anything is written; then only the
    differences are written, ``concurrency`` at a time. In check mode nothing is written and the result is the one
    a real run would give. A write that fails does not stop the others: :class:`WritesFailed` names each failure
    and reports the rest as done.
    """
    webhooks = api.list_all()
    for webhook in webhooks:
        on_secret(webhook.get("secret"))
    declarations = [dict(item, state=item.get("state") or options["state"],
                         update_secret=item.get("update_secret") or options["update_secret"])
                    for item in options["webhooks"]]
    steps = plan_webhooks(webhooks, declarations, options["purge"], options.get("purge_names"))
    check_events(api, steps)
    writes = [step for step in steps if step.action]
    outcomes = {} if check_mode else dict(zip(writes, run_each(lambda step: step.write(api, on_secret), writes,
                                                               options["concurrency"])))
    result = dict(changed=False, results=[], created=[], updated=[], deleted=[], diff=[])
    failures = []
    for step in steps:
        outcome = outcomes.get(step)
        if outcome is not None and outcome.failed:  # the webhook as it was: a rerun plans the write again
            error = outcome.error
            known = isinstance(error, GenAuthError)
            msg = error.msg if known else unexpected_error(error)[0]
            failures.append("%s: %s" % (step.describe(), msg.rstrip(".")))
            entry = dict(error.result_fields() if known else {}, changed=known and error.may_have_been_processed,
                         webhook_id=(step.current or {}).get("webhookId"), webhook=webhook_result(step.current),
                         diff=webhook_diff(step.current, step.current), failed=True, msg=msg)
        else:
            after = step.after if outcome is None else outcome.value
            entry = dict(step.result(after), failed=False)
            if step.action:
                result[step.action + "d"].append(step.summary(after))
                result["diff"].append(dict(entry["diff"], before_header=step.describe(), after_header=step.describe()))
        result["changed"] = result["changed"] or entry["changed"]
        if not diff:
            del entry["diff"]
        if step.label != PURGE:
            result["results"].append(entry)
    if not diff:
        del result["diff"]
    if failures:
        raise WritesFailed("%d of %d writes failed: %s. The other writes were done (created, updated and deleted "
                           "list them); running the task again makes the rest." % (
                               len(failures), len(writes), "; ".join(failures)), result)
    return result

"""A small stateful stand-in for the webhook endpoints, mocked at the requests level (``responses``), for the
unit tests of the declarative and info modules: it keeps webhooks and logs, records every call so a test
can count the writes, and fails the calls a test names (``failing``)."""

import json

from ansible_collections.genauth.management.tests.unit.helpers import API, envelope, query, token_reply

EVENTS = ["test", "login", "register", "user:created", "user:updated", "user:deleted"]
WRITES = ("create-webhook", "update-webhook", "delete-webhook", "trigger-webhook")


class FakeGenAuth(object):
    """Webhooks by id; ``mask_secrets`` makes get and list answer a masked secret, as some deployments may."""

    def __init__(self, mocked, webhooks=(), logs=None, mask_secrets=None):
        self.webhooks = dict((hook["webhookId"], dict(hook)) for hook in webhooks)
        self.logs = logs or {}
        self.mask_secrets = mask_secrets
        # Endpoint -> webhook ids (names, for a create) whose next call of it answers statusCode 500 (which is not
        # retried) and changes nothing.
        self.failing = {}
        self.calls = []
        self._next = 0
        mocked.post(API + "get-management-token", json=token_reply())
        for method, name in (("GET", "get-webhook"), ("GET", "list-webhooks"), ("POST", "create-webhook"),
                             ("POST", "update-webhook"), ("POST", "delete-webhook"), ("POST", "get-webhook-logs"),
                             ("GET", "get-webhook-event-list")):
            mocked.add_callback(method, API + name, callback=self._answer(name))

    def names(self):
        return [name for name, dummy in self.calls]

    def writes(self):
        return [call for call in self.calls if call[0] in WRITES]

    def _shown(self, hook):
        hook = dict(hook)
        if self.mask_secrets is not None and hook.get("secret"):
            hook["secret"] = self.mask_secrets
        return hook

    def _answer(self, name):
        def callback(request):
            params = json.loads(request.body) if request.body else query(request)
            self.calls.append((name, params))
            failing = self.failing.get(name, set()) & set(params.get("webhookIds") or [params.get("webhookId") or params.get("name")])
            if failing:
                self.failing[name] -= failing
                return 200, {}, json.dumps(envelope(status_code=500, message="Internal server error"))
            data = getattr(self, "_" + name.replace("-", "_"))(params)
            if isinstance(data, tuple):
                return 200, {}, json.dumps(envelope(status_code=data[0], message=data[1]))
            return 200, {}, json.dumps(envelope(data))
        return callback

    def _get_webhook(self, params):
        hook = self.webhooks.get(params["webhookId"])
        return self._shown(hook) if hook else (404, "Webhook not found")

    def _list_webhooks(self, params):
        page, limit = int(params.get("page", 1)), int(params.get("limit", 10))
        if limit > 50:
            return (400, "limit must be between 1 and 50")
        hooks = [self._shown(hook) for hook in self.webhooks.values()]
        return {"totalCount": len(hooks), "list": hooks[(page - 1) * limit:page * limit]}

    def _create_webhook(self, params):
        self._next += 1
        hook = dict(params, webhookId="new%d" % self._next, createdAt="t0", updatedAt="t0")
        hook.setdefault("secret", "")
        self.webhooks[hook["webhookId"]] = hook
        return dict(hook)

    def _update_webhook(self, params):
        hook = self.webhooks[params["webhookId"]]
        hook.update(params, updatedAt="t1")
        return dict(hook)

    def _delete_webhook(self, params):
        for webhook_id in params["webhookIds"]:
            self.webhooks.pop(webhook_id, None)
        return None

    def _get_webhook_logs(self, params):
        page, limit = int(params.get("page", 1)), int(params.get("limit", 10))
        logs = self.logs.get(params["webhookId"], [])
        return {"totalCount": len(logs), "list": logs[(page - 1) * limit:page * limit]}

    def _get_webhook_event_list(self, params):
        return {"categories": [{"name": "u", "nameEn": "User", "value": "user"}],
                "events": [{"name": name, "nameEn": name, "value": name, "category": "user"} for name in EVENTS]}

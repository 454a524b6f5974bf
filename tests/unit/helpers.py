"""Shared fixtures and canned API answers for the unit tests."""

import base64
import contextlib
import io
import json
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import responses as responses_lib

from ansible.module_utils import basic

from ansible_collections.genauth.management.plugins.module_utils._validation import InvalidOptions, validate

try:
    # Re-exported for the tests.
    from ansible.module_utils.testing import patch_module_args  # noqa: F401 pylint: disable=unused-import
except ImportError:  # ansible-core < 2.19
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args):
        """Run a module's main() with ``args`` as its options."""
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()):
            yield


def clear_module_warnings():
    """Forget the warnings an earlier module run left: ansible-core keeps them for the whole process."""
    from ansible.module_utils.common import warnings
    for name in ("_global_warnings", "_global_deprecations"):
        store = getattr(warnings, name, None)
        if store is not None:
            store.clear()


HOST = "https://genauth.test/gw"
API = HOST + "/api/v3/"
KEY_SECRET = "key-secret-Zq81"
# The options of a task that logs in with the access key pair.
CONNECTION = dict(host=HOST, access_key_id="pool-1", access_key_secret=KEY_SECRET)
WEBHOOK = {"webhookId": "wh1", "name": "deploys", "url": "http://127.0.0.1:9/hook", "contentType": "application/json",
           "enabled": True, "events": ["test"], "secret": "whsec-Yp27"}


def make_jwt(claims):
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return "%s.%s.signature" % (part({"alg": "HS256", "typ": "JWT"}), part(claims))


TOKEN = make_jwt({"scoped_userpool_id": "pool-1", "exp": 4102444800})
TOKEN2 = make_jwt({"scoped_userpool_id": "pool-1", "exp": 4102444800, "n": 2})


def envelope(data=None, status_code=200, message="Operation successful", **extra):
    body = {"statusCode": status_code, "message": message, "requestId": "req-%d" % status_code}
    if status_code == 200:
        body["data"] = data
    body.update(extra)
    return body


def token_reply(token=TOKEN):
    return envelope({"access_token": token, "expires_in": 7200})


def requests_mock():
    return responses_lib.RequestsMock(assert_all_requests_are_fired=False)


@pytest.fixture
def mocked():
    with requests_mock() as rsps:
        yield rsps


def answer_trigger(mocked, webhook=None):
    """The calls of a trigger answered: a token, ``webhook`` (WEBHOOK) looked up, the subscriber's {"ok": true}."""
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", json=envelope(webhook or WEBHOOK))
    mocked.post(API + "trigger-webhook", json=envelope({"response": {"ok": True}}))
    return mocked


@pytest.fixture
def api(mocked):
    return answer_trigger(mocked)


def calls_to(mocked, endpoint):
    """The calls made to ``endpoint`` (its name), whatever their query string."""
    return [call for call in mocked.calls if call.request.url.split("?")[0] == API + endpoint]


def query(request):
    """A request's query string, one value a name."""
    return dict((name, values[0]) for name, values in parse_qs(urlsplit(request.url).query).items())


def run_module(module, args):
    """``module``'s main() with ``args`` (those that are None left out): (exit code, result, what it printed)."""
    clear_module_warnings()
    out = io.StringIO()
    with patch_module_args(dict((k, v) for k, v in args.items() if v is not None)), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit) as info:
            module.main()
    return info.value.code, json.loads(out.getvalue()), out.getvalue()


def refusal(schema, options):
    """The message of the refusal of ``options`` by the rules of ``schema``."""
    with pytest.raises(InvalidOptions) as info:
        validate(schema, options)
    return str(info.value)


def warnings_of(result):
    """Warning texts: plain strings before ansible-core 2.19, structured summaries since (as a module prints them,
    or as the controller reads them back: ``WarningSummary``)."""
    def text(warning):
        if isinstance(warning, str):
            return warning
        if isinstance(warning, dict):
            return warning.get("event", {}).get("msg", "")
        return warning.event.msg
    return [text(warning) for warning in result.get("warnings", [])]


class Clock(object):
    """A clock that moves only when the test sets ``now``."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        """A sleep that takes no time, only moves the clock."""
        self.now += seconds


def in_threads(count, target):
    """Run ``target`` on ``count`` threads at once and wait for them all."""
    threads = [threading.Thread(target=target) for dummy in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

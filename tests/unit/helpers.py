"""Shared fixtures and canned API answers for the unit tests."""

import base64
import contextlib
import json

import pytest
import responses as responses_lib

from ansible.module_utils import basic

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


@pytest.fixture
def mocked():
    with responses_lib.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps

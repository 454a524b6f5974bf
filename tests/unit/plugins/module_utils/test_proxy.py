"""Proxies (_proxy, through the client): the proxy_url rule, which proxy a call goes through and what chose it, the
proxy's credentials kept secret, and the proxy's own refusals reported as the proxy's; HTTP mocked at the requests
level, with the exceptions shaped as urllib3 raises them (tests/unit/plugins/module_utils/test_transport.py has a
raw proxy on loopback answering a CONNECT, and tests/integration/test_forwarding_proxy.py a real one)."""

import random

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError
from urllib3.exceptions import ProxyError as Urllib3ProxyError

from ansible_collections.genauth.management.plugins.module_utils import _proxy
from ansible_collections.genauth.management.plugins.module_utils._auth import AccessKeyToken
from ansible_collections.genauth.management.plugins.module_utils._client import GenAuthClient, client_from_options
from ansible_collections.genauth.management.plugins.module_utils._connection import RETRIES, TIMEOUT
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._options import options_schema
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy
from ansible_collections.genauth.management.plugins.module_utils._validation import validate
from ansible_collections.genauth.management.plugins.module_utils._webhooks import GET_WEBHOOK, TRIGGER_WEBHOOK
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_trigger
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, CONNECTION, HOST, calls_to, envelope, refusal, run_module, token_reply,
)

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY",
                   "no_proxy")
PASSWORD = "pr0xy:p@ss"
# The password as a URL writes it: percent-encoded.
WITH_CREDENTIALS = "http://ci-bot:pr0xy%3Ap%40ss@proxy.example:3128"
TOKEN_URL = API + "get-management-token"
BASE = dict(host=HOST, access_key_id="pool", access_key_secret="s3cret", access_token=None, userpool_id=None,
            ca_path=None, validate_certs=True, use_proxy=True, proxy_url=None, timeout=TIMEOUT.default,
            retries=RETRIES.default)


@pytest.fixture(autouse=True)
def no_proxy_variables(monkeypatch):
    """Each test sets the proxy variables it means, whatever the developer's environment holds."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# ------------------------------------------------------------------------------------------ the proxy_url rule


@pytest.mark.parametrize("value, checked", [
    ("http://proxy.example:3128", "http://proxy.example:3128"),
    ("https://proxy.example", "https://proxy.example"),
    ("  http://proxy.example:3128/\n", "http://proxy.example:3128/"),
    (WITH_CREDENTIALS, WITH_CREDENTIALS),
    ("HTTP://[::1]:8080", "HTTP://[::1]:8080"),
    ("", None),
    (None, None),
])
def test_a_proxy_url_within_the_rule(value, checked):
    assert validate(options_schema(), dict(BASE, proxy_url=value))["proxy_url"] == checked


@pytest.mark.parametrize("value, rule", [
    ("proxy.example:3128", "must start with http:// or https://"),
    ("socks5://proxy.example:1080", "must start with http:// or https://"),
    ("http://", "must name the proxy's host"),
    ("http://proxy.example:3128/path", "must be the proxy's address alone, without a path"),
    ("http://proxy.example:3128?x=1", "must be the proxy's address alone"),
    ("http://proxy.example:99999", "is not a valid URL"),
    ("http://pro xy.example", "must not contain whitespace or control characters"),
    ("http://proxy.example\x1b[2J", "must not contain whitespace or control characters"),
    (3128, "must be an http or https URL such as http://proxy.example.com:3128"),
])
def test_a_proxy_url_that_breaks_the_rule_is_refused_naming_the_option(value, rule):
    assert "proxy_url: " + rule in refusal(options_schema(), dict(BASE, proxy_url=value))


def test_a_refused_proxy_url_is_not_quoted():
    msg = refusal(options_schema(), dict(BASE, proxy_url="http://ci-bot:%s@proxy.example:3128/x" % PASSWORD))
    assert "proxy_url: must be the proxy's address alone" in msg and PASSWORD not in msg


# ------------------------------------------------------------------------------------------ which proxy, and why


@pytest.mark.parametrize("environ, url, proxy, source", [
    ({}, "https://api.genauth.ai/api/v3/", None, None),
    ({"HTTPS_PROXY": "http://p1:3128"}, "https://api.genauth.ai/api/v3/", "http://p1:3128", "HTTPS_PROXY"),
    # The lower case wins, as urllib reads them.
    ({"HTTPS_PROXY": "http://p1:3128", "https_proxy": "http://p2:3128"}, "https://api.genauth.ai/", "http://p2:3128",
     "https_proxy"),
    ({"HTTP_PROXY": "http://p1:3128"}, "https://api.genauth.ai/", None, None),
    ({"HTTP_PROXY": "http://p1:3128"}, "http://genauth.internal/", "http://p1:3128", "HTTP_PROXY"),
    ({"ALL_PROXY": "http://p3:3128"}, "https://api.genauth.ai/", "http://p3:3128", "ALL_PROXY"),
    ({"HTTPS_PROXY": "http://p1:3128", "NO_PROXY": "genauth.ai"}, "https://api.genauth.ai/", None, None),
    ({"HTTPS_PROXY": "http://p1:3128", "no_proxy": "127.0.0.1,localhost"}, "https://api.genauth.ai/",
     "http://p1:3128", "HTTPS_PROXY"),
])
def test_the_environment_names_the_proxy_as_requests_reads_it(no_proxy_variables, environ, url, proxy, source):
    for name, value in environ.items():
        no_proxy_variables.setenv(name, value)
    route = _proxy.Route(url)
    assert (route.proxy, route.source) == (proxy, source)


@pytest.mark.parametrize("options, proxies, proxy, source", [
    (dict(), None, "http://env:3128", "HTTPS_PROXY"),
    (dict(proxy_url="http://mine:8080"), {"http": "http://mine:8080", "https": "http://mine:8080"},
     "http://mine:8080", "proxy_url"),
    (dict(use_proxy=False), _proxy.NO_PROXIES, None, None),
    # use_proxy: false wins over proxy_url.
    (dict(use_proxy=False, proxy_url="http://mine:8080"), _proxy.NO_PROXIES, None, None),
], ids=["environment", "proxy_url", "no proxy", "no proxy wins"])
def test_a_task_may_choose_its_own_proxy_or_none(no_proxy_variables, mocked, options, proxies, proxy, source):
    """proxy_url wins over the environment and NO_PROXY; use_proxy: false over both. What requests is given says so."""
    no_proxy_variables.setenv("HTTPS_PROXY", "http://env:3128")
    no_proxy_variables.setenv("NO_PROXY", "genauth.test")
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(API + "trigger-webhook", json=envelope({"response": None}))
    with client_from_options(dict(BASE, **options), warn=None, on_secret=lambda value: None) as api:
        api.call(TRIGGER_WEBHOOK, json={"webhookId": "wh1"})
        assert _proxy.proxies(dict(BASE, **options)) == proxies
        assert (api.route.proxy, api.route.source) == (proxy if options else None, source if options else None)
    sent = [call.request.req_kwargs["proxies"] for call in mocked.calls]
    if proxies is None:
        # The environment's choice is left to requests (here NO_PROXY bypasses the proxy for genauth.test).
        assert all(not kwargs.get("https") for kwargs in sent)
    else:
        assert all(kwargs.get("https") == proxies["https"] for kwargs in sent)


def test_no_proxy_really_leaves_out_the_environment_s(no_proxy_variables):
    """What requests makes of use_proxy: false, with every proxy variable set: no proxy for either scheme."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        no_proxy_variables.setenv(name, "http://env:3128")
    session = requests.Session()
    for url in ("https://api.genauth.ai/", "http://genauth.internal/"):
        settings = session.merge_environment_settings(url, dict(_proxy.NO_PROXIES), False, True, None)
        assert requests.utils.select_proxy(url, settings["proxies"]) is None
        settings = session.merge_environment_settings(url, {}, False, True, None)
        assert requests.utils.select_proxy(url, settings["proxies"]) == "http://env:3128"


# ------------------------------------------------------------------------------------------ credentials


def test_the_credentials_of_a_proxy_are_what_is_secret_in_its_url():
    assert set(_proxy.credentials(WITH_CREDENTIALS)) == {
        "ci-bot:pr0xy%3Ap%40ss", "ci-bot:" + PASSWORD, "pr0xy%3Ap%40ss", PASSWORD}
    assert _proxy.credentials("http://proxy.example:3128") == [] and _proxy.credentials(None) == []
    # A user name alone, as some proxies take a token for one.
    assert set(_proxy.credentials("http://t0k%2Fen@proxy.example:3128")) == {"t0k%2Fen", "t0k/en"}
    assert _proxy.shown(WITH_CREDENTIALS) == "proxy.example:3128"


@pytest.mark.parametrize("where", ["proxy_url", "HTTPS_PROXY"])
def test_the_proxy_s_credentials_are_masked_wherever_a_message_quotes_them(no_proxy_variables, mocked, where):
    """A proxy's error page that echoes the URL the client used, quoted in the message: its credentials masked,
    and reported to the caller to be masked in results, from the option as from the environment."""
    options = dict(BASE, retries=0)
    if where == "proxy_url":
        options["proxy_url"] = WITH_CREDENTIALS
    else:
        no_proxy_variables.setenv("HTTPS_PROXY", WITH_CREDENTIALS)
    mocked.post(TOKEN_URL, status=502, body="<h1>502</h1> via %s (%s)" % (WITH_CREDENTIALS, PASSWORD))
    learned = []
    with pytest.raises(GenAuthError) as info:
        client_from_options(options, warn=None, on_secret=learned.append).authenticate()
    assert PASSWORD not in info.value.msg and "pr0xy" not in info.value.msg and "ci-bot" not in info.value.msg
    assert "via http://********@proxy.example:3128" in info.value.msg
    assert PASSWORD in learned


# ------------------------------------------------------------------------------------------ the proxy's refusals


def tunnel_refused(status_line):
    """What requests raises when the proxy answers the CONNECT with ``status_line`` (urllib3 2's shape)."""
    return requests.exceptions.ProxyError(MaxRetryError(None, "/api/v3/get-management-token", reason=Urllib3ProxyError(
        "Unable to connect to proxy", OSError("Tunnel connection failed: %s" % status_line))))


class _Connection(object):
    """What urllib3 2 names a connection in its messages."""

    def __str__(self):
        return "HTTPConnection(host='proxy.example', port=3128)"


def proxy_down():
    return requests.exceptions.ProxyError(MaxRetryError(None, "/api/v3/get-management-token", reason=Urllib3ProxyError(
        "Unable to connect to proxy", NewConnectionError(
            _Connection(), "Failed to establish a new connection: [Errno 111] Connection refused"))))


def dropped_after_sending():
    """urllib3 2 calls this too "Unable to connect to proxy", though the request went through the tunnel."""
    from http.client import RemoteDisconnected
    return requests.exceptions.ProxyError(MaxRetryError(None, "/api/v3/trigger-webhook", reason=Urllib3ProxyError(
        "Unable to connect to proxy", RemoteDisconnected("Remote end closed connection without response"))))


def proxied_client(retries=2, **kwargs):
    rec = []
    api = GenAuthClient(HOST, AccessKeyToken("pool-1", "key-secret"), retry_policy=RetryPolicy(retries, rng=random.Random(0)),
                        warn=rec.append, sleep=lambda seconds: None, proxies=_proxy.proxies({"proxy_url": WITH_CREDENTIALS}),
                        **kwargs)
    return api, rec


def failure_of(api, endpoint=GET_WEBHOOK, **kwargs):
    with pytest.raises(GenAuthError) as info:
        api.call(endpoint, **kwargs)
    return info.value


PROXY = "The proxy proxy.example:3128 (proxy_url)"


@pytest.mark.parametrize("raised, says, retried", [
    (tunnel_refused("407 Proxy Authentication Required"),
     [PROXY + " refused to carry the get-management-token call to %s: 407 Proxy Authentication Required. Nothing "
      "reached GenAuth. The proxy wants credentials, or refused those given: put them in its URL "
      "(http://user:password@host:port, special characters percent-encoded) in proxy_url (GENAUTH_PROXY_URL)." % HOST],
     False),
    (tunnel_refused("403 Forbidden"),
     [" refused to carry the get-management-token call to %s: 403 Forbidden." % HOST,
      "The proxy does not allow connections to this host: ask its administrators to allow it, or, if GenAuth is "
      "reachable without the proxy, leave proxy_url out (or set use_proxy: false)."], False),
    (tunnel_refused("502 Bad Gateway"),
     [" refused to carry the get-management-token call to %s: 502 Bad Gateway. Nothing reached GenAuth. The proxy "
      "could not reach %s: check host (GENAUTH_HOST)" % (HOST, HOST)], True),
    (tunnel_refused("503 Service Unavailable"), [": 503 Service Unavailable. Nothing reached GenAuth."], True),
    (tunnel_refused("418 I'm a teapot"), [": 418 I", "Check the proxy's settings in proxy_url"], False),
    (proxy_down(),
     ["Could not connect to the proxy proxy.example:3128 (proxy_url) for get-management-token at %s: Failed "
      "to establish a new connection: [Errno 111] Connection refused. Nothing reached GenAuth. Check that the proxy "
      "runs and that proxy_url (GENAUTH_PROXY_URL) names it" % HOST], True),
], ids=["407", "403", "502", "503", "other", "down"])
def test_a_proxy_s_refusal_is_reported_as_the_proxy_s(mocked, raised, says, retried):
    mocked.post(TOKEN_URL, body=raised)
    api, warnings = proxied_client()
    error = failure_of(api, params={"webhookId": "wh1"})
    for text in says:
        assert text in error.msg, error.msg
    for advice_of_the_api in ("Check the credentials", "Check host (GENAUTH_HOST), the network", "contact GenAuth"):
        assert advice_of_the_api not in error.msg
    assert "ci-bot" not in error.msg and PASSWORD not in error.msg
    assert not error.may_have_been_processed and error.status_code is None and error.http_status is None
    assert len(calls_to(mocked, "get-management-token")) == (3 if retried else 1)
    assert len(warnings) == (2 if retried else 0)


def test_a_refused_tunnel_never_repeats_a_trigger_but_a_retry_is_safe_then(mocked):
    """A trigger whose tunnel the proxy could not open was never sent: it is retried like a refused connection."""
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(API + "trigger-webhook", body=tunnel_refused("502 Bad Gateway"))
    mocked.post(API + "trigger-webhook", json=envelope({"response": "ok"}))
    api, warnings = proxied_client()
    assert api.call(TRIGGER_WEBHOOK, json={"webhookId": "wh1"}).data == {"response": "ok"}
    assert len(warnings) == 1 and "retry 1 of 2" in warnings[0] and PROXY in warnings[0]


def test_a_connection_that_broke_after_the_request_went_through_is_not_called_the_proxy_s(mocked):
    """urllib3 says "Unable to connect to proxy" when the server hangs up on a request the tunnel carried: that
    may have been processed, so the trigger is not repeated, and the message is not the proxy's refusal."""
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(API + "trigger-webhook", body=dropped_after_sending())
    api, warnings = proxied_client()
    error = failure_of(api, TRIGGER_WEBHOOK, json={"webhookId": "wh1"})
    assert error.no_answer and "the connection broke before the answer arrived" in error.msg
    assert "refused" not in error.msg and len(calls_to(mocked, "trigger-webhook")) == 1 and warnings == []


def test_an_http_host_s_407_is_the_proxy_s_answer(mocked):
    """For an http host, a forwarding proxy answers the request itself."""
    mocked.post("http://genauth.internal/api/v3/get-management-token", status=407,
                headers={"Proxy-Authenticate": 'Basic realm="corp"'}, body="<h1>407</h1>")
    api = GenAuthClient("http://genauth.internal", AccessKeyToken("pool-1", "key-secret"), retry_policy=RetryPolicy(2),
                        proxies=_proxy.proxies({"proxy_url": "http://proxy.example:3128"}))
    error = failure_of(api, params={"webhookId": "wh1"})
    assert error.msg.startswith("The proxy proxy.example:3128 (proxy_url) refused to carry the "
                                "get-management-token call to http://genauth.internal: 407 Proxy Authentication "
                                "Required. Nothing reached GenAuth. The proxy wants credentials"), error.msg
    assert len(mocked.calls) == 1


def test_without_a_proxy_a_407_is_an_answer_like_any_other(mocked):
    mocked.post(TOKEN_URL, status=407, body="odd")
    api = GenAuthClient(HOST, AccessKeyToken("pool-1", "key-secret"), retry_policy=RetryPolicy(0))
    assert "failed with HTTP 407" in failure_of(api, params={"webhookId": "wh1"}).msg


def test_the_environment_s_proxy_is_named_by_its_variable(no_proxy_variables, mocked):
    no_proxy_variables.setenv("https_proxy", WITH_CREDENTIALS)
    mocked.post(TOKEN_URL, body=tunnel_refused("407 Proxy Authentication Required"))
    api = GenAuthClient(HOST, AccessKeyToken("pool-1", "key-secret"), retry_policy=RetryPolicy(0))
    msg = failure_of(api, params={"webhookId": "wh1"}).msg
    assert msg.startswith("The proxy proxy.example:3128 (https_proxy) refused"), msg
    assert "in https_proxy (or proxy_url)." in msg and "ci-bot" not in msg


def test_a_tls_failure_through_a_proxy_says_which_ca_a_tls_inspecting_proxy_needs(mocked):
    mocked.post(TOKEN_URL, body=requests.exceptions.SSLError("certificate verify failed: self-signed certificate"))
    api, dummy = proxied_client(retries=0)
    msg = failure_of(api, params={"webhookId": "wh1"}).msg
    assert msg.startswith("TLS failure talking to %s" % HOST)
    assert ("The calls go through the proxy proxy.example:3128 (proxy_url): a proxy that inspects TLS signs "
            "what it forwards with a CA of its own, which is then the CA to give in ca_path.") in msg


# ------------------------------------------------------------------------------------------ through a module


def run_trigger(**args):
    return run_module(genauth_webhook_trigger, dict(CONNECTION, webhook_id="wh1", **args))


@pytest.mark.parametrize("given", ["option", "GENAUTH_PROXY_URL", "HTTPS_PROXY"])
def test_a_module_never_shows_the_proxy_s_credentials(no_proxy_variables, mocked, given):
    """Wherever the proxy's URL comes from, a refusal names the proxy without its credentials, and nothing the module
    prints (its result, its invocation at -vvvv) holds them."""
    args = dict(retries=0)
    if given == "option":
        args["proxy_url"] = WITH_CREDENTIALS
    else:
        no_proxy_variables.setenv(given, WITH_CREDENTIALS)
    mocked.post(TOKEN_URL, body=tunnel_refused("407 Proxy Authentication Required"))
    code, result, out = run_trigger(**args)
    assert code == 1 and result["msg"].startswith("The proxy proxy.example:3128 (%s) refused"
                                                  % ("proxy_url" if given != "HTTPS_PROXY" else "HTTPS_PROXY"))
    for secret in (PASSWORD, "pr0xy%3Ap%40ss", "ci-bot"):
        assert secret not in out


def test_a_module_that_refuses_its_options_does_not_show_the_proxy_url_either(mocked):
    code, result, out = run_trigger(proxy_url=WITH_CREDENTIALS, timeout=0)
    assert code == 1 and "timeout: must be greater than 0" in result["msg"] and not mocked.calls
    assert "pr0xy" not in out and "ci-bot" not in out

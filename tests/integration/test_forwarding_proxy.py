"""Through a real forwarding proxy (proxy.py on loopback, wanting credentials): the modules, genauth_token's login in
the controller's process and the genauth_webhook callback, over HTTPS through CONNECT to the emulator's TLS endpoint
with the test CA; NO_PROXY, proxy_url and use_proxy choosing the way; and the proxy's refusals, each reported as the
proxy's. Every run is at -vvvv and scanned for the proxy's credentials too.

One proxy process serves the module; which connections it carried is read from its access log. The rules and
messages themselves are tests/unit/plugins/module_utils/test_proxy.py's.
"""

import re
from collections import Counter

import pytest

from tests.emulator.harness import closed_port

PLUGIN = "genauth.management.genauth_webhook"
DEPRECATION = ("GENAUTH_CALLBACK_CA_PATH option, the modules and the callback read one name for each setting, use "
               "GENAUTH_CA_PATH instead")


@pytest.fixture
def runner(tls_ansible, proxy):
    tls_ansible.extra_secrets.update(proxy.secrets())
    return tls_ansible


def address(url):
    return url.split("://", 1)[1]


def squeezed(text):
    """``text`` without whitespace: ansible-core before 2.19 wraps warnings at the terminal's width, after a hyphen
    too."""
    return re.sub(r"\s+", "", text)


def test_every_call_goes_through_the_proxy_unless_the_host_or_the_task_says_otherwise(runner, proxy):
    """One run: the login (in the controller's process), a trigger and a list through HTTPS_PROXY; a host NO_PROXY
    lists straight to the API; proxy_url winning over NO_PROXY, use_proxy: false over proxy_url; and the callback's
    notice through HTTPS_PROXY too, with the CA from its former variable (deprecated, said once)."""
    servers = runner.servers
    api = servers.emulator_url  # https://127.0.0.1:PORT
    bypassed = api.replace("127.0.0.1", "localhost")
    env = {"HTTPS_PROXY": proxy.url(), "https_proxy": None, "NO_PROXY": "localhost", "no_proxy": None,
           "GENAUTH_HOST": api, "ANSIBLE_CALLBACKS_ENABLED": PLUGIN,
           "GENAUTH_CALLBACK_WEBHOOK_ID": servers.webhooks["deploy"], "GENAUTH_CALLBACK_CA_PATH": servers.ca_path,
           "GENAUTH_CA_PATH": None}
    run = runner.playbook("proxy_through.yml", env=env, extra_vars={
        "webhook_id": servers.webhooks["deploy"], "ca_path": servers.ca_path, "bypassed_host": bypassed,
        "proxy_url": proxy.url()})
    assert run.rc == 0, run.output
    assert run.result["login"] is True
    trigger, listed, no_proxy, chosen, direct = run.result["tasks"]
    assert all(result["changed"] for result in (trigger, no_proxy, chosen, direct)), run.output
    assert [webhook["webhookId"] for webhook in listed["webhooks"]] == [servers.webhooks["deploy"]]
    bodies = [delivery["json"] for delivery in servers.receiver.deliveries()]
    assert [body.get("via") for body in bodies[:4]] == ["environment", "no_proxy", "proxy_url", "direct"]
    assert bodies[4]["event"] == "ansible.playbook.finished" and bodies[4]["status"] == "successful"
    # Tunnels to the address HTTPS_PROXY serves: the login, the trigger, the list and the callback (one each, the
    # connection kept alive); to the name NO_PROXY lists, only the task whose proxy_url wins over it.
    assert Counter(proxy.requests()) == {("CONNECT", address(api)): 4, ("CONNECT", address(bypassed)): 1}
    assert [warning for warning in run.warnings() if PLUGIN in warning] == []
    assert squeezed(run.output).count(squeezed(DEPRECATION)) == 1, run.output


def test_what_the_proxy_refuses_is_reported_as_the_proxy_s(runner, proxy):
    """No credentials, wrong ones, an API the proxy cannot reach (502 to the CONNECT, retried since nothing was
    sent), the proxy down (the task's and the callback's): each names the proxy, without credentials, and says what
    to do; the run goes on, and the callback's warning keeps its exit code."""
    servers = runner.servers
    down = "http://127.0.0.1:%d" % closed_port()
    wrong = proxy.url((proxy.user, "wrong-" + proxy.password))
    runner.extra_secrets["wrong_password"] = "wrong-" + proxy.password
    unreachable = "https://127.0.0.1:%d" % closed_port()
    env = {"HTTPS_PROXY": down, "https_proxy": None, "NO_PROXY": "", "no_proxy": None, "GENAUTH_HOST":
           servers.emulator_url, "GENAUTH_CA_PATH": servers.ca_path, "ANSIBLE_CALLBACKS_ENABLED": PLUGIN,
           "GENAUTH_CALLBACK_WEBHOOK_ID": servers.webhooks["deploy"], "GENAUTH_CALLBACK_RETRIES": "0"}
    run = runner.playbook("proxy_refusals.yml", env=env, extra_vars={
        "webhook_id": servers.webhooks["deploy"], "proxy_without_credentials": proxy.url(None),
        "proxy_with_wrong_credentials": wrong, "proxy_url": proxy.url(), "unreachable_host": unreachable})
    assert run.rc == 0, run.output
    no_credentials, wrong_credentials, unreachable_api, proxy_down = run.result
    named = "The proxy 127.0.0.1:%d (proxy_url) refused to carry the get-management-token call to " % proxy.port
    for result in (no_credentials, wrong_credentials):
        assert result["failed"] and result["changed"] is False
        assert result["msg"].startswith(named + "%s: 407 Proxy Authentication Required. Nothing reached GenAuth. "
                                        "The proxy wants credentials, or refused those given" % servers.emulator_url)
    assert unreachable_api["msg"].startswith(named + "%s: 502 Bad Gateway. Nothing reached GenAuth. The proxy could "
                                             "not reach %s" % (unreachable, unreachable)), unreachable_api["msg"]
    retried = [w for w in unreachable_api.get("warnings", []) if "retry 1 of 1" in str(w)]
    assert len(retried) == 1, unreachable_api
    cannot = "Could not connect to the proxy %s (HTTPS_PROXY) for get-management-token at %s: " % (
        address(down), servers.emulator_url)
    assert proxy_down["msg"].startswith(cannot), proxy_down["msg"]
    assert "Check that the proxy runs and that HTTPS_PROXY (or proxy_url) names it" in proxy_down["msg"]
    for result in (no_credentials, wrong_credentials, unreachable_api, proxy_down):
        assert "Check the credentials" not in result["msg"] and "GenAuth support" not in result["msg"]
    (warning,) = [warning for warning in run.warnings() if PLUGIN in warning]
    assert squeezed(warning).startswith(squeezed("%s: the notice of this run was not sent: %s" % (PLUGIN, cannot)))
    # Nothing reached the API, and the proxy saw the two refused tunnels and the two to the address it cannot reach.
    assert servers.emulator.requests() == [] and servers.receiver.deliveries() == []
    assert Counter(proxy.requests()) == {("CONNECT", "None:None"): 2, ("CONNECT", address(unreachable)): 2}

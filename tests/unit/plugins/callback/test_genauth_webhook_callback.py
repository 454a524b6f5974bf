"""What the genauth_webhook callback decides itself: the body it builds from Ansible's stats, when it sends, what
it says, and what it hides; with HTTP mocked at the requests level.

What a real ansible-playbook run sends and shows (the options read from the environment, the exit code, the
secret scan at -vvvv) is tests/integration/test_callback.py's.
"""

import os
import re
import uuid
from types import SimpleNamespace

import pytest
import requests
import yaml
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ansible import constants as C
from ansible.executor.stats import AggregateStats
from ansible.plugins.callback import CallbackBase

from ansible_collections.genauth.management.plugins.callback import genauth_webhook
from ansible_collections.genauth.management.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.genauth.management.plugins.module_utils._client import SendBudget
from ansible_collections.genauth.management.plugins.module_utils._connection import (
    CREDENTIAL_VARIABLES, SETTING_VARIABLES, argument_spec,
)
from ansible_collections.genauth.management.plugins.module_utils._trigger import MAX_BODY_BYTES
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, HOST, KEY_SECRET, TOKEN, WEBHOOK, Clock, calls_to, envelope,
)

PLUGIN = "genauth.management.genauth_webhook"
STATIC_TOKEN = "static-token-Hx55"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ENV_KEY_PAIR = {"GENAUTH_ACCESS_KEY_ID": "pool-1", "GENAUTH_ACCESS_KEY_SECRET": KEY_SECRET}
ENV_ORIGINS = {"access_key_id": "env: GENAUTH_ACCESS_KEY_ID", "access_key_secret": "env: GENAUTH_ACCESS_KEY_SECRET"}


class FakeDisplay(object):
    """Records what the plugin shows, by level: warning, v, vvv and deprecated (the message and its arguments)."""

    verbosity = 0

    def __init__(self):
        self.shown = []
        for level in ("warning", "v", "vvv"):
            setattr(self, level, lambda msg, level=level: self.shown.append((level, msg)))
        self.deprecated = lambda msg, **kwargs: self.shown.append(("deprecated", (msg, kwargs)))

    def at(self, level):
        return [msg for shown_level, msg in self.shown if shown_level == level]

    def text(self):
        return "\n".join(msg for dummy, msg in self.shown)


def options(**overrides):
    """Option values as Ansible's configuration hands them over (defaults included)."""
    values = dict(webhook_id="wh1", notify_on="always", enable_from_environment=None,
                  event=genauth_webhook.DEFAULT_EVENT, host=HOST, access_key_id="pool-1", access_key_secret=KEY_SECRET,
                  access_token=None, userpool_id=None, validate_certs=True, ca_path=None, use_proxy=True, proxy_url=None,
                  timeout=5.0, retries=0, send_timeout=genauth_webhook.SEND_TIMEOUT.default)
    values.update(overrides)
    return values


def callback(environ=None, opts=None, origins=None):
    plugin = unconfigured(environ, Clock(1795960000.0))
    plugin.configure(options() if opts is None else opts, origins or {})
    return plugin


def unconfigured(environ=None, clock=None):
    """The plugin as Ansible loads it, before it is configured; its clocks are ``clock`` when one is given, and its
    sleeps then move that clock on."""
    clocks = dict(clock=clock, monotonic=clock, sleep=clock.sleep) if clock else {}
    plugin = genauth_webhook.CallbackModule(display=FakeDisplay(), environ=dict(environ or {}), **clocks)
    plugin._load_name = PLUGIN
    plugin.clock = clock
    return plugin


def stats(**per_host):
    """AggregateStats with, for each host, the events given ({"web1": {"ok": 2, "failures": 1}})."""
    result = AggregateStats()
    for host, counts in per_host.items():
        for what, times in counts.items():
            for dummy in range(times):
                result.increment({"unreachable": "dark"}.get(what, what), host)
    return result


def run(plugin, per_host=None, path="/srv/deploy/site.yml", extra_vars=None, seconds=12.5):
    """One playbook of ``seconds`` with these stats; returns what the plugin showed."""
    plugin.v2_playbook_on_start(SimpleNamespace(_file_name=path))
    manager = SimpleNamespace(extra_vars=extra_vars or {})
    plugin.v2_playbook_on_play_start(SimpleNamespace(get_variable_manager=lambda: manager))
    plugin.clock.now += seconds
    plugin.v2_playbook_on_stats(stats(**(per_host or {"web1": {"ok": 3, "changed": 1}})))
    return plugin._display


def triggers(api):
    return calls_to(api, "trigger-webhook")


# ------------------------------------------------------------------------------------------ the body


def counts(**nonzero):
    """A host's counts in the body: every event, and those given."""
    return dict(dict.fromkeys(("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored"), 0),
                **nonzero)


def test_the_body_holds_exactly_the_documented_fields_from_the_stats():
    hosts = genauth_webhook.host_counts(stats(
        web1={"ok": 4, "changed": 2}, web2={"ok": 1, "failures": 1, "ignored": 1},
        web3={"unreachable": 1}, web4={"ok": 1, "skipped": 2, "rescued": 1}))
    run_id = str(uuid.uuid4())
    body = genauth_webhook.run_body("deploy.finished", "/srv/site.yml", run_id, 1795960000.0, 1795960075.5, 75.5,
                                    False, hosts, "ctl1", "deployer")
    assert body == {
        "event": "deploy.finished", "playbook": {"name": "site.yml", "path": "/srv/site.yml"}, "run_id": run_id,
        "status": "failed", "check_mode": False, "started_at": "2026-11-29T13:46:40Z",
        "finished_at": "2026-11-29T13:47:55Z", "duration_seconds": 75.5,
        "hosts": {"web1": counts(ok=4, changed=2), "web2": counts(ok=1, failures=1, ignored=1),
                  "web3": counts(unreachable=1), "web4": counts(ok=1, skipped=2, rescued=1)},
        "failed_hosts": ["web2"], "unreachable_hosts": ["web3"], "ansible_version": body["ansible_version"],
        "controller": "ctl1", "user": "deployer"}
    assert re.match(r"^\d+\.\d+", body["ansible_version"])


@pytest.mark.parametrize("per_host, status", [
    ({"a": {"ok": 1}, "b": {"ok": 1, "rescued": 1, "ignored": 2, "skipped": 1}}, "successful"),
    ({"a": {"ok": 1}, "b": {"failures": 1}}, "failed"),
    ({"a": {"ok": 1}, "b": {"unreachable": 1}}, "failed"),
    ({}, "successful"),
])
def test_a_run_fails_when_a_host_failed_or_was_unreachable_and_only_then(per_host, status):
    body = genauth_webhook.run_body("e", "p.yml", "id", 0, 0, 0, False, genauth_webhook.host_counts(stats(**per_host)),
                                    "c", "u")
    assert body["status"] == status


def test_a_clock_set_back_during_the_run_gives_no_negative_duration():
    body = genauth_webhook.run_body("e", "p.yml", "id", 10, 5, -0.2, True, {}, "c", "u")
    assert body["duration_seconds"] == 0.0 and body["check_mode"] is True


@pytest.mark.parametrize("extra_vars, environ, expected", [
    ({}, {}, None),
    # JOB_ID alone is too common a name (other CI systems) to mean AWX.
    ({}, {"JOB_ID": "17"}, None),
    ({}, {"AWX_HOST": "https://awx.example.com"}, None),
    ({}, {"JOB_ID": "17", "AWX_HOST": "https://awx.example.com"}, {"job_id": 17, "host": "https://awx.example.com"}),
    # A job id that is not a number is kept as AWX sent it.
    ({}, {"JOB_ID": "j-9", "AWX_HOST": "https://awx"}, {"job_id": "j-9", "host": "https://awx"}),
    ({"awx_job_id": 42, "awx_job_template_id": 7, "awx_job_template_name": "Deploy billing",
      "awx_workflow_job_id": 40, "awx_workflow_job_name": "Release"},
     {"JOB_ID": "42", "AWX_HOST": "https://awx.example.com"},
     {"job_id": 42, "job_template_id": 7, "job_template_name": "Deploy billing", "workflow_job_id": 40,
      "workflow_job_name": "Release", "host": "https://awx.example.com"}),
    ({"tower_job_id": 5, "tower_job_template_name": "Old tower"}, {},
     {"job_id": 5, "job_template_name": "Old tower"}),
    ({"awx_job_id": "", "tower_job_id": 6}, {}, {"job_id": 6}),
])
def test_what_awx_says_about_the_job(extra_vars, environ, expected):
    assert genauth_webhook.awx_job(extra_vars, environ) == expected


def test_the_user_is_user_or_logname_else_the_account_s_name(monkeypatch):
    assert genauth_webhook.current_user({"USER": "u1", "LOGNAME": "l1"}) == "u1"
    assert genauth_webhook.current_user({"LOGNAME": "l1"}) == "l1"
    monkeypatch.setattr(genauth_webhook.getpass, "getuser", lambda: "acct")
    assert genauth_webhook.current_user({}) == "acct"

    def no_account():
        raise KeyError("getpwuid(): uid not found: 1000")
    monkeypatch.setattr(genauth_webhook.getpass, "getuser", no_account)
    assert genauth_webhook.current_user({}) == "unknown"


@pytest.mark.parametrize("notify_on, sent_for", [
    ("always", {"successful", "failed"}), ("failure", {"failed"}), ("success", {"successful"}),
])
def test_notify_on(notify_on, sent_for):
    statuses = ("successful", "failed")
    assert set(status for status in statuses if genauth_webhook.is_notified(notify_on, status)) == sent_for


# ------------------------------------------------------------------------------------------ one run, end to end


def test_one_run_sends_one_trigger_with_the_body_and_shows_the_answer_at_v(api):
    shown = run(callback(environ={"USER": "deployer"}),
                per_host={"web1": {"ok": 3, "changed": 1}, "web2": {"ok": 1, "failures": 1}},
                extra_vars={"awx_job_id": 42, "awx_job_template_name": "Deploy"})
    (trigger,) = triggers(api)
    sent = yaml.safe_load(trigger.request.body)
    assert sent["webhookId"] == "wh1" and "requestHeaders" not in sent
    body = sent["requestBody"]
    assert body["status"] == "failed" and body["failed_hosts"] == ["web2"]
    assert body["playbook"] == {"name": "site.yml", "path": "/srv/deploy/site.yml"}
    assert str(uuid.UUID(body["run_id"], version=4)) == body["run_id"]
    assert ISO_UTC.match(body["started_at"]) and ISO_UTC.match(body["finished_at"])
    assert body["duration_seconds"] == 12.5
    assert body["awx"] == {"job_id": 42, "job_template_name": "Deploy"}
    assert body["event"] == "ansible.playbook.finished"
    assert trigger.request.headers["User-Agent"].startswith("genauth.management (ansible-core/")
    assert shown.at("warning") == []
    assert shown.at("v") == [
        "%s: triggered webhook wh1 (requestId req-200); the subscriber answered: {\"ok\": true}" % PLUGIN]
    assert '"run_id": "%s"' % body["run_id"] in shown.at("vvv")[0]


def test_each_playbook_of_a_run_is_one_notice_with_its_own_run_id(api):
    plugin = callback()
    run(plugin, path="/srv/a.yml")
    run(plugin, path="/srv/b.yml")
    bodies = [yaml.safe_load(call.request.body)["requestBody"] for call in triggers(api)]
    assert [body["playbook"]["name"] for body in bodies] == ["a.yml", "b.yml"]
    assert bodies[0]["run_id"] != bodies[1]["run_id"]


def test_the_stats_of_a_run_that_never_started_send_nothing(api):
    plugin = callback()
    plugin.v2_playbook_on_stats(stats(web1={"ok": 1}))
    assert len(api.calls) == 0


def test_notify_on_failure_sends_nothing_for_a_successful_run(api):
    shown = run(callback(opts=options(notify_on="failure")))
    assert len(api.calls) == 0 and shown.at("warning") == []
    assert "the run is successful and notify_on is failure" in shown.at("v")[0]


def test_check_mode_is_said_in_the_body(api, monkeypatch):
    monkeypatch.setattr(genauth_webhook.context, "CLIARGS", {"check": True})
    run(callback())
    assert yaml.safe_load(triggers(api)[0].request.body)["requestBody"]["check_mode"] is True


def test_everything_secret_is_masked_in_what_is_shown(api):
    # A subscriber that echoes the webhook's secret and the token; a careless event name is still not a secret.
    api.replace("POST", API + "trigger-webhook", json=envelope({"response": {
        "echo": "seen %s and %s" % (WEBHOOK["secret"], TOKEN)}}))
    shown = run(callback()).text()
    assert "the subscriber answered" in shown
    for secret in (WEBHOOK["secret"], TOKEN, KEY_SECRET):
        assert secret not in shown


def test_a_disabled_webhook_is_triggered_with_a_warning(api):
    api.replace("GET", API + "get-webhook", json=envelope(dict(WEBHOOK, enabled=False)))
    shown = run(callback())
    assert len(triggers(api)) == 1
    assert shown.at("warning") == ["%s: Webhook wh1 is disabled; GenAuth may not deliver it." % PLUGIN]


# ------------------------------------------------------------------------------------------ a send that fails


REFUSED = requests.exceptions.ConnectionError(MaxRetryError(None, "/api/v3/get-management-token", reason=(
    NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused"))))
NOT_FOUND = dict(json=envelope(status_code=404, message="webhook not found"))


# Each fault, and how many retries it gets (at -v only): only the connection that was never made is retried.
@pytest.mark.parametrize("answers, cause, retried", [
    ({("POST", "get-management-token"): dict(body=REFUSED)},
     "Could not connect to https://genauth.test/gw for get-management-token", 2),
    ({("GET", "get-webhook"): NOT_FOUND, ("POST", "trigger-webhook"): NOT_FOUND},
     "GenAuth API error on trigger-webhook: webhook not found (statusCode 404", 0),
    ({("POST", "get-management-token"): dict(json=envelope(status_code=401, message="bad key"))},
     "GenAuth API error on get-management-token: bad key (statusCode 401", 0),
    ({("POST", "trigger-webhook"): dict(json=envelope(status_code=500, message="boom"))},
     "GenAuth API error on trigger-webhook: boom (statusCode 500", 0),
], ids=["down", "unknown webhook", "wrong credentials", "api error"])
def test_a_failed_send_is_one_warning_naming_the_plugin_and_the_cause(api, answers, cause, retried):
    for (method, endpoint), answer in answers.items():
        api.replace(method, API + endpoint, **answer)
    shown = run(callback(opts=options(retries=2)))  # raises nothing: a notice never fails the run
    warnings = shown.at("warning")
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("%s: the notice of this run was not sent: %s" % (PLUGIN, cause)), warnings[0]
    assert len([msg for msg in shown.at("v") if ": retry " in msg]) == retried


@pytest.mark.parametrize("lookup", [
    {"json": envelope(status_code=403, message="no permission to read webhooks")},
    {"status": 404, "body": "Not Found"},
], ids=["refused", "no such endpoint"])
def test_a_webhook_the_api_will_not_describe_is_triggered_and_its_answer_kept_off_the_display(api, lookup):
    api.replace("GET", API + "get-webhook", **lookup)
    api.replace("POST", API + "trigger-webhook", json=envelope({"response": {"echo": WEBHOOK["secret"]}}))
    shown = run(callback())
    assert len(triggers(api)) == 1 and shown.at("warning") == []
    (said,) = shown.at("v")
    assert said.startswith("%s: triggered webhook wh1 (requestId req-200); its answer is not shown, because the "
                           "webhook could not be looked up to mask its secret: " % PLUGIN), said
    assert WEBHOOK["secret"] not in shown.text()


def test_a_failure_quoting_a_secret_is_masked(mocked):
    mocked.post(API + "get-management-token", status=502, body="proxy saw accessKeySecret=%s" % KEY_SECRET)
    (warning,) = run(callback()).at("warning")
    assert "proxy saw accessKeySecret=********" in warning and KEY_SECRET not in warning


def test_a_body_over_the_trigger_limit_is_not_sent(api):
    many = dict(("host-%06d-%s" % (n, "x" * 40), {"ok": 1}) for n in range(MAX_BODY_BYTES // 100))
    (warning,) = run(callback(), per_host=many).at("warning")
    assert triggers(api) == []
    assert "the notice of this run was not sent: Invalid options: request_body: is " in warning
    assert "the limit is %d bytes" % MAX_BODY_BYTES in warning


def test_a_bug_is_one_warning_too(api, monkeypatch):
    monkeypatch.setattr(genauth_webhook, "host_counts", lambda stats: 1 / 0)
    (warning,) = run(callback()).at("warning")
    assert "not sent: Unexpected ZeroDivisionError" in warning and "This is a bug in genauth.management" in warning


# ------------------------------------------------------------------------------------------ start-up


@pytest.mark.parametrize("overrides, says", [
    (dict(webhook_id=""), "Invalid options: webhook_id: must be a non-empty string"),
    (dict(webhook_id="has space"), "webhook_id: must not contain whitespace"),
    (dict(access_key_id=None, access_key_secret=None), "no credentials"),
    (dict(timeout=0.0), "timeout: must be greater than 0"),
    (dict(retries=11), "retries: must be between 0 and 10"),
    (dict(host="ftp://genauth.test"), "host: must start with http:// or https://"),
    (dict(notify_on="sometimes"), "notify_on must be one of always, failure, success"),
])
def test_a_misconfiguration_is_one_warning_at_start_up_and_nothing_is_sent(api, overrides, says):
    plugin = callback(opts=options(**overrides))
    (warning,) = plugin._display.at("warning")
    assert warning.startswith(PLUGIN + ": ") and says in warning, warning
    assert "Nothing will be sent: fix the [callback_genauth_webhook] section of ansible.cfg" in warning
    assert len(api.calls) == 0 and len(run(plugin).at("warning")) == 1


def test_options_ansible_could_not_read_are_one_warning(monkeypatch):
    def broken(self, task_keys=None, var_options=None, direct=None):
        raise genauth_webhook.AnsibleError("Required config 'webhook_id' for 'genauth_webhook' not provided.")
    monkeypatch.setattr(CallbackBase, "set_options", broken)
    monkeypatch.setattr(genauth_webhook.C.config, "get_config_value", lambda *args, **kwargs: None)
    plugin = unconfigured()
    plugin.set_options()
    assert plugin._display.at("warning") == [
        "%s: Required config 'webhook_id' for 'genauth_webhook' not provided. Nothing will be sent: fix the "
        "[callback_genauth_webhook] section of ansible.cfg or the environment variables (ansible-doc -t callback "
        "%s lists both)." % (PLUGIN, PLUGIN)]


def test_a_gate_ansible_could_not_read_either_is_no_gate(monkeypatch):
    def broken(*args, **kwargs):
        raise genauth_webhook.AnsibleError("Config 'enable_from_environment' has an invalid value.")
    monkeypatch.setattr(genauth_webhook.C.config, "get_config_value", broken)
    assert unconfigured()._configured_gate(None) is None


def test_options_ansible_read_are_checked(monkeypatch, api):
    def read(self, task_keys=None, var_options=None, direct=None):
        self._plugin_options, self._origins = options(), dict.fromkeys(options(), "/etc/ansible/ansible.cfg")
    monkeypatch.setattr(CallbackBase, "set_options", read)
    plugin = unconfigured()
    plugin.set_options()
    assert plugin._display.shown == [] and plugin._settings["webhook_id"] == "wh1"


def test_origins_are_asked_for_when_ansible_keeps_none(monkeypatch, api):
    """ansible-core before 2.18 keeps no origins for callbacks: the plugin asks the configuration for each
    credential option's, so a token in ansible.cfg still wins over a key pair in the environment."""
    def read(self, task_keys=None, var_options=None, direct=None):
        self._plugin_options = options(access_token=STATIC_TOKEN)
        self.__dict__.pop("_origins", None)

    def origin(option, plugin_type=None, plugin_name=None, direct=None):
        if option == "access_token":
            raise genauth_webhook.AnsibleError("cannot tell")  # counts as set in the configuration
        return options()[option], "env: " + dict(CREDENTIAL_VARIABLES)[option]
    monkeypatch.setattr(CallbackBase, "set_options", read)
    monkeypatch.setattr(genauth_webhook.C.config, "get_config_value_and_origin", origin)
    monkeypatch.setattr(CallbackBase, "_origins", None, raising=False)
    plugin = unconfigured(ENV_KEY_PAIR, Clock(0))
    plugin.set_options()
    assert plugin._display.shown == []
    run(plugin)
    assert api.calls[0].request.headers["Authorization"] == "Bearer " + STATIC_TOKEN


@pytest.mark.parametrize("value", [None, "", "false", "0", "no"])
def test_a_closed_gate_sends_nothing_and_warns_of_nothing(api, value, monkeypatch):
    environ = {} if value is None else {"CI": value}
    plugin = callback(environ=environ, opts=options(enable_from_environment="CI", webhook_id=""))
    assert run(plugin).at("warning") == [] and len(api.calls) == 0
    assert plugin._display.at("v") == ["%s: CI is not set to a true value in the environment "
                                       "(enable_from_environment), so nothing will be sent." % PLUGIN]
    # Even options Ansible could not read are not worth a warning then.
    monkeypatch.setattr(genauth_webhook.C.config, "get_config_value", lambda *args, **kwargs: "CI")
    plugin.configure(None, None, problem="broken", gate=plugin._configured_gate(None))
    assert plugin._display.at("warning") == []


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_an_open_gate_sends(api, value):
    run(callback(environ={"CI": value}, opts=options(enable_from_environment="CI")))
    assert len(triggers(api)) == 1


def test_a_missing_library_is_one_warning(monkeypatch):
    monkeypatch.setattr(genauth_webhook, "REQUESTS_IMPORT_ERROR", "Traceback ...")
    assert callback()._display.at("warning") == [
        "%s: needs the Python library requests on the controller (the Python that runs ansible-playbook); "
        "nothing will be sent." % PLUGIN]


def test_an_unsafe_transport_is_a_warning_at_start_up():
    (warning,) = callback(opts=options(validate_certs=False))._display.at("warning")
    assert warning.startswith(PLUGIN + ": validate_certs is false")


@pytest.mark.parametrize("opts, origins, calls, token", [
    # ansible.cfg gives a token while the environment holds a key pair: the token is used, as a task's would be.
    (options(access_token=STATIC_TOKEN), dict(ENV_ORIGINS, access_token="/etc/ansible/ansible.cfg"),
     ["get-webhook", "trigger-webhook"], STATIC_TOKEN),
    (options(), ENV_ORIGINS, ["get-management-token", "get-webhook", "trigger-webhook"], TOKEN),
], ids=["configured token", "environment alone"])
def test_configured_credentials_win_over_the_other_kind_in_the_environment(api, opts, origins, calls, token):
    plugin = callback(environ=ENV_KEY_PAIR, opts=opts, origins=origins)
    assert plugin._display.at("warning") == []
    run(plugin)
    assert [call.request.url.split("/")[-1].split("?")[0] for call in api.calls] == calls
    assert api.calls[-1].request.headers["Authorization"] == "Bearer " + token


# ------------------------------------------------------------------------------------------ the documentation


DOC = yaml.safe_load(genauth_webhook.DOCUMENTATION)


def test_the_callback_s_own_options_are_set_in_ini_and_environment():
    for name, spec in DOC["options"].items():
        assert spec["ini"] == [{"section": "callback_genauth_webhook", "key": name}], name
        assert [entry["name"] for entry in spec["env"]] == ["GENAUTH_CALLBACK_" + name.upper()], name
    assert DOC["options"]["webhook_id"]["required"] is True
    assert DOC["options"]["notify_on"]["choices"] == list(genauth_webhook.NOTIFY_ON)


WHERE = yaml.safe_load(ModuleDocFragment.CALLBACK)["options"]
SHARED = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
MODULE_VARIABLES = dict(CREDENTIAL_VARIABLES + SETTING_VARIABLES, host=argument_spec()["host"]["fallback"][1][0])


def test_the_connection_options_are_read_from_the_modules_variables():
    """Every shared option settable; each that the modules read from the environment under the modules' one name,
    which comes last so that it wins over the callback's former name (deprecated); the others under names of the
    callback's own."""
    assert set(WHERE) == set(SHARED) == set(argument_spec())
    for name, spec in WHERE.items():
        assert spec["ini"] == [{"section": "callback_genauth_webhook", "key": name}], name
        names = [entry["name"] for entry in spec["env"]]
        if name not in MODULE_VARIABLES:
            assert names == ["GENAUTH_CALLBACK_" + name.upper()], name
            continue
        assert names[-1] == MODULE_VARIABLES[name] and "deprecated" not in spec["env"][-1], name
        for entry in spec["env"][:-1]:
            assert entry["name"] == "GENAUTH_CALLBACK_" + name.upper()
            assert entry["deprecated"]["alternatives"] == MODULE_VARIABLES[name]
            assert entry["deprecated"]["collection_name"] == genauth_webhook.COLLECTION
    assert "genauth.management.connection.callback" in DOC["extends_documentation_fragment"]


def configuration_of(monkeypatch, environ):
    """What ansible-core's own configuration makes of ``environ`` for the callback's shared options, and what it
    records as deprecated."""
    definitions = dict((name, dict(SHARED[name], **WHERE[name])) for name in WHERE)
    C.config.initialize_plugin_configuration_definitions("callback", "genauth_webhook_unit", definitions)
    for dummy, variable in SETTING_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
        monkeypatch.delenv(variable.replace("GENAUTH_", "GENAUTH_CALLBACK_"), raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(C.config, "DEPRECATED", [])
    value, origin = C.config.get_config_value_and_origin("ca_path", plugin_type="callback",
                                                         plugin_name="genauth_webhook_unit")
    return value, origin, [name for name, dummy in C.config.DEPRECATED]


@pytest.mark.parametrize("environ, value, deprecated", [
    ({"GENAUTH_CA_PATH": "/etc/new.pem"}, "/etc/new.pem", []),
    ({"GENAUTH_CALLBACK_CA_PATH": "/etc/old.pem"}, "/etc/old.pem", ["GENAUTH_CALLBACK_CA_PATH"]),
    ({"GENAUTH_CALLBACK_CA_PATH": "/etc/old.pem", "GENAUTH_CA_PATH": "/etc/new.pem"}, "/etc/new.pem",
     ["GENAUTH_CALLBACK_CA_PATH"]),
], ids=["new", "old", "both"])
def test_ansible_core_reads_the_deprecated_name_and_lets_the_new_one_win(monkeypatch, environ, value, deprecated):
    assert configuration_of(monkeypatch, environ) == (value, "env: " + (
        "GENAUTH_CA_PATH" if "GENAUTH_CA_PATH" in environ else "GENAUTH_CALLBACK_CA_PATH"), deprecated)


def test_a_deprecated_name_used_is_one_deprecation_warning_naming_the_collection(monkeypatch):
    """ansible-core records it; the callback shows it once (ansible-core would not, or under another plugin's name)
    and leaves the records of others alone."""
    info = WHERE["ca_path"]["env"][0]["deprecated"]
    other = ("DEFAULT_THING", {"why": "old", "version": "2.21", "collection_name": "ansible.builtin"})
    records = [("GENAUTH_CALLBACK_CA_PATH", info), other, ("GENAUTH_CALLBACK_CA_PATH", info)]
    monkeypatch.setattr(C.config, "DEPRECATED", records)
    plugin = unconfigured()
    plugin._report_deprecated_names()
    assert plugin._display.shown == [("deprecated", (
        "GENAUTH_CALLBACK_CA_PATH option, the modules and the callback read one name for each setting, use "
        "GENAUTH_CA_PATH instead", {"version": info["version"], "collection_name": "genauth.management"}))]
    assert C.config.DEPRECATED == [other]


# ------------------------------------------------------------------------------------------ settings, proxies


def test_a_setting_s_empty_variable_counts_as_not_set(api):
    """Ansible reads an empty GENAUTH_VALIDATE_CERTS as false and an empty GENAUTH_CA_PATH as the current directory;
    the callback, as the modules, takes each as not set, under its new name or its deprecated one."""
    environ = dict.fromkeys(("GENAUTH_VALIDATE_CERTS", "GENAUTH_CALLBACK_CA_PATH", "GENAUTH_USE_PROXY",
                             "GENAUTH_PROXY_URL"), "")
    origins = dict((option, "env: " + variable) for option, variable in SETTING_VARIABLES)
    origins["ca_path"] = "env: GENAUTH_CALLBACK_CA_PATH"
    plugin = callback(environ=environ, origins=origins, opts=options(
        validate_certs=False, ca_path=os.getcwd(), use_proxy=False, proxy_url=""))
    assert plugin._display.at("warning") == []  # not "validate_certs is false"
    settings = plugin._settings
    assert (settings["validate_certs"], settings["ca_path"], settings["use_proxy"], settings["proxy_url"]) == (
        True, None, True, None)
    run(plugin)
    assert triggers(api)[0].request.req_kwargs["verify"] not in (False, os.getcwd())


def test_the_callback_goes_through_proxy_url_and_never_shows_its_credentials(mocked):
    proxy = "http://ci-bot:s3cr%40t@proxy.example:3128"
    mocked.post(API + "get-management-token", status=502, body="<h1>Bad gateway</h1> %s s3cr@t" % proxy)
    shown = run(callback(opts=options(proxy_url=proxy)))
    assert mocked.calls[0].request.req_kwargs["proxies"]["https"] == proxy
    (warning,) = shown.at("warning")
    assert "<h1>Bad gateway</h1> http://********@proxy.example:3128 ********" in warning
    assert "s3cr" not in shown.text() and "ci-bot" not in shown.text()


# ------------------------------------------------------------------------------------------ one deadline


def never_answers(mocked, clock):
    """Every call runs until the timeout it was given, as against an API that never answers, then times out."""
    def answer(request):
        clock.now += request.req_kwargs["timeout"][0]
        raise requests.exceptions.ReadTimeout("read timed out")
    for method, endpoint in (("POST", "get-management-token"), ("GET", "get-webhook"), ("POST", "trigger-webhook")):
        mocked.add_callback(method, API + endpoint, callback=answer)


@pytest.mark.parametrize("send_timeout, timeout, retries", [
    (3.5, 1.0, 3), (2.0, 5.0, 3), (10.0, 1.0, 1), (60.0, 30.0, 3),
])
def test_an_api_that_never_answers_adds_at_most_send_timeout_to_the_run(mocked, send_timeout, timeout, retries):
    """The time a notice adds is what its attempts and waits are given (each attempt runs until its timeout), and
    that is within send_timeout whatever timeout and retries say; the callback says so at -v."""
    plugin = callback(opts=options(send_timeout=send_timeout, timeout=timeout, retries=retries))
    never_answers(mocked, plugin.clock)
    before = plugin.clock.now
    shown = run(plugin, seconds=0)
    added = plugin.clock.now - before
    budget = plugin._client.budget
    assert added == pytest.approx(budget.given) and budget.given <= send_timeout + 1e-6
    assert len(mocked.calls) == len(budget.attempts) and all(s <= timeout for dummy, s in budget.attempts)
    (warning,) = shown.at("warning")
    assert warning.startswith("%s: the notice of this run was not sent: " % PLUGIN)
    assert genauth_webhook.describe_budget(budget) in shown.at("v")[-1]
    assert ("of the send_timeout of %g s." % send_timeout) in shown.at("v")[-1]


def test_the_budget_of_a_send_in_words():
    budget = SendBudget(3.5)
    budget.attempts = [("get-management-token", 1.0), ("get-management-token", 1.0), ("get-management-token", 0.75)]
    budget.waits = [0.3, 0.45]
    assert genauth_webhook.describe_budget(budget) == (
        "the send made 3 attempts, given 1, 1 and 0.75 s, and waited 0.3 and 0.45 s between them: 3.5 s in all, of "
        "the send_timeout of 3.5 s.")
    budget.attempts, budget.waits = [("get-management-token", 2.0)], []
    assert genauth_webhook.describe_budget(budget) == (
        "the send made 1 attempt, given 2 s: 2 s in all, of the send_timeout of 3.5 s.")
    budget.attempts = []
    assert genauth_webhook.describe_budget(budget) == "the send made no attempt."

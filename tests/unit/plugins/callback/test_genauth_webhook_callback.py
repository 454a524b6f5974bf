"""What the genauth_webhook callback decides itself: the body it builds from Ansible's stats, when it sends, what
it says, and what it hides; with HTTP mocked at the requests level.

What a real ansible-playbook run sends and shows (the options read from the environment, the exit code, the
secret scan at -vvvv) is tests/integration/test_callback.py's.
"""

import re
import uuid

import pytest
import requests
import yaml
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ansible.executor.stats import AggregateStats
from ansible.plugins.callback import CallbackBase

from ansible_collections.genauth.management.plugins.callback import genauth_webhook
from ansible_collections.genauth.management.plugins.module_utils._connection import CREDENTIAL_VARIABLES
from ansible_collections.genauth.management.plugins.module_utils._trigger import MAX_BODY_BYTES
from ansible_collections.genauth.management.tests.unit.helpers import API, HOST, TOKEN, envelope, token_reply

PLUGIN = "genauth.management.genauth_webhook"
KEY_SECRET = "key-secret-Zq81"
STATIC_TOKEN = "static-token-Hx55"
WEBHOOK = {"webhookId": "wh1", "name": "runs", "url": "http://127.0.0.1:9/hook", "contentType": "application/json",
           "enabled": True, "events": ["test"], "secret": "whsec-Yp27"}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class FakeDisplay(object):
    """Records what the plugin shows, by level."""

    verbosity = 0

    def __init__(self):
        self.shown = []

    def warning(self, msg):
        self.shown.append(("warning", msg))

    def v(self, msg):
        self.shown.append(("v", msg))

    def vvv(self, msg):
        self.shown.append(("vvv", msg))

    def at(self, level):
        return [msg for shown_level, msg in self.shown if shown_level == level]

    def text(self):
        return "\n".join(msg for dummy, msg in self.shown)


class Clock(object):
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


class Playbook(object):
    def __init__(self, path):
        self._file_name = path


class Play(object):
    def __init__(self, extra_vars):
        self._manager = type("VariableManager", (), {"extra_vars": extra_vars})()

    def get_variable_manager(self):
        return self._manager


def options(**overrides):
    """Option values as Ansible's configuration hands them over (defaults included)."""
    values = dict(webhook_id="wh1", notify_on="always", enable_from_environment=None, event=genauth_webhook.DEFAULT_EVENT,
                  host=HOST, access_key_id="pool-1", access_key_secret=KEY_SECRET, access_token=None,
                  userpool_id=None, validate_certs=True, ca_path=None, timeout=5.0, retries=0)
    values.update(overrides)
    return values


def callback(environ=None, opts=None, origins=None, start=1795960000.0):
    clock = Clock(start)
    plugin = genauth_webhook.CallbackModule(display=FakeDisplay(), environ=dict(environ or {}), clock=clock,
                                            monotonic=clock)
    plugin.configure(options() if opts is None else opts, origins or {})
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
    plugin.v2_playbook_on_start(Playbook(path))
    plugin.v2_playbook_on_play_start(Play(extra_vars or {}))
    plugin.clock.now += seconds
    plugin.v2_playbook_on_stats(stats(**(per_host or {"web1": {"ok": 3, "changed": 1}})))


@pytest.fixture
def api(mocked):
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "trigger-webhook", json=envelope({"response": {"ok": True}}))
    return mocked


def sent_body(api):
    return [call for call in api.calls if call.request.url.endswith("trigger-webhook")]


# ------------------------------------------------------------------------------------------ the body


def test_the_body_holds_exactly_the_documented_fields_from_the_stats():
    hosts = genauth_webhook.host_counts(stats(
        web1={"ok": 4, "changed": 2}, web2={"ok": 1, "failures": 1, "ignored": 1},
        web3={"unreachable": 1}, web4={"ok": 1, "skipped": 2, "rescued": 1}))
    run_id = str(uuid.uuid4())
    body = genauth_webhook.run_body("deploy.finished", "/srv/site.yml", run_id, 1795960000.0, 1795960075.5, 75.5,
                                    False, hosts, "ctl1", "deployer")
    assert set(body) == {"event", "playbook", "run_id", "status", "check_mode", "started_at", "finished_at",
                         "duration_seconds", "hosts", "failed_hosts", "unreachable_hosts", "ansible_version",
                         "controller", "user"}
    assert body["event"] == "deploy.finished"
    assert body["playbook"] == {"name": "site.yml", "path": "/srv/site.yml"}
    assert body["run_id"] == run_id
    assert body["status"] == "failed"
    assert body["check_mode"] is False
    assert body["started_at"] == "2026-11-29T13:46:40Z" and body["finished_at"] == "2026-11-29T13:47:55Z"
    assert body["duration_seconds"] == 75.5
    assert body["hosts"]["web1"] == dict(ok=4, changed=2, failures=0, unreachable=0, skipped=0, rescued=0, ignored=0)
    assert body["hosts"]["web2"] == dict(ok=1, changed=0, failures=1, unreachable=0, skipped=0, rescued=0, ignored=1)
    assert body["hosts"]["web3"]["unreachable"] == 1
    assert body["hosts"]["web4"] == dict(ok=1, changed=0, failures=0, unreachable=0, skipped=2, rescued=1, ignored=0)
    assert body["failed_hosts"] == ["web2"] and body["unreachable_hosts"] == ["web3"]
    assert body["controller"] == "ctl1" and body["user"] == "deployer"
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


def test_a_job_id_that_is_not_a_number_is_kept_as_awx_sent_it():
    assert genauth_webhook.awx_job({}, {"JOB_ID": "j-9", "AWX_HOST": "https://awx"}) == {"job_id": "j-9", "host": "https://awx"}


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
    assert set(status for status in ("successful", "failed") if genauth_webhook.is_notified(notify_on, status)) == sent_for


# ------------------------------------------------------------------------------------------ one run, end to end


def test_one_run_sends_one_trigger_with_the_body_and_shows_the_answer_at_v(api):
    plugin = callback(environ={"USER": "deployer"})
    run(plugin, per_host={"web1": {"ok": 3, "changed": 1}, "web2": {"ok": 1, "failures": 1}},
        extra_vars={"awx_job_id": 42, "awx_job_template_name": "Deploy"})
    triggers = sent_body(api)
    assert len(triggers) == 1
    sent = yaml.safe_load(triggers[0].request.body)
    assert sent["webhookId"] == "wh1" and "requestHeaders" not in sent
    body = sent["requestBody"]
    assert body["status"] == "failed" and body["failed_hosts"] == ["web2"]
    assert body["playbook"] == {"name": "site.yml", "path": "/srv/deploy/site.yml"}
    assert str(uuid.UUID(body["run_id"], version=4)) == body["run_id"]
    assert ISO_UTC.match(body["started_at"]) and ISO_UTC.match(body["finished_at"])
    assert body["duration_seconds"] == 12.5
    assert body["awx"] == {"job_id": 42, "job_template_name": "Deploy"}
    assert body["event"] == "ansible.playbook.finished"
    assert triggers[0].request.headers["User-Agent"].startswith("genauth.management (ansible-core/")
    assert plugin._display.at("warning") == []
    assert plugin._display.at("v") == [
        "%s: triggered webhook wh1 (requestId req-200); the subscriber answered: {\"ok\": true}" % PLUGIN]
    assert '"run_id": "%s"' % body["run_id"] in plugin._display.at("vvv")[0]


def test_each_playbook_of_a_run_is_one_notice_with_its_own_run_id(api):
    plugin = callback()
    run(plugin, path="/srv/a.yml")
    run(plugin, path="/srv/b.yml")
    bodies = [yaml.safe_load(call.request.body)["requestBody"] for call in sent_body(api)]
    assert [body["playbook"]["name"] for body in bodies] == ["a.yml", "b.yml"]
    assert bodies[0]["run_id"] != bodies[1]["run_id"]


def test_the_stats_of_a_run_that_never_started_send_nothing(api):
    plugin = callback()
    plugin.v2_playbook_on_stats(stats(web1={"ok": 1}))
    assert len(api.calls) == 0


def test_notify_on_failure_sends_nothing_for_a_successful_run(api):
    plugin = callback(opts=options(notify_on="failure"))
    run(plugin)
    assert len(api.calls) == 0
    assert plugin._display.at("warning") == []
    assert "the run is successful and notify_on is failure" in plugin._display.at("v")[0]


def test_check_mode_is_said_in_the_body(api, monkeypatch):
    monkeypatch.setattr(genauth_webhook.context, "CLIARGS", {"check": True})
    run(callback())
    assert yaml.safe_load(sent_body(api)[0].request.body)["requestBody"]["check_mode"] is True


def test_everything_secret_is_masked_in_what_is_shown(api):
    # A subscriber that echoes the webhook's secret and the token; a careless event name is still not a secret.
    api.replace("POST", API + "trigger-webhook", json=envelope({"response": {
        "echo": "seen %s and %s" % (WEBHOOK["secret"], TOKEN)}}))
    plugin = callback()
    run(plugin)
    shown = plugin._display.text()
    assert "the subscriber answered" in shown
    for secret in (WEBHOOK["secret"], TOKEN, KEY_SECRET):
        assert secret not in shown


def test_a_disabled_webhook_is_triggered_with_a_warning(api):
    api.replace("GET", API + "get-webhook", json=envelope(dict(WEBHOOK, enabled=False)))
    plugin = callback()
    run(plugin)
    assert len(sent_body(api)) == 1
    assert plugin._display.at("warning") == ["%s: Webhook wh1 is disabled; GenAuth may not deliver it." % PLUGIN]


# ------------------------------------------------------------------------------------------ a send that fails


@pytest.mark.parametrize("fault, cause", [
    ("down", "Could not connect to https://genauth.test/gw for get-management-token"),
    ("unknown webhook", "GenAuth API error on trigger-webhook: webhook not found (statusCode 404"),
    ("wrong credentials", "GenAuth API error on get-management-token: bad key (statusCode 401"),
    ("api error", "GenAuth API error on trigger-webhook: boom (statusCode 500"),
])
def test_a_failed_send_is_one_warning_naming_the_plugin_and_the_cause(mocked, fault, cause):
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "trigger-webhook", json=envelope(status_code=500, message="boom"))
    if fault == "down":
        refused = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
        mocked.replace("POST", API + "get-management-token", body=requests.exceptions.ConnectionError(
            MaxRetryError(None, "/api/v3/get-management-token", reason=refused)))
    if fault == "unknown webhook":
        mocked.replace("GET", API + "get-webhook", json=envelope(status_code=404, message="webhook not found"))
        mocked.replace("POST", API + "trigger-webhook", json=envelope(status_code=404, message="webhook not found"))
    if fault == "wrong credentials":
        mocked.replace("POST", API + "get-management-token", json=envelope(status_code=401, message="bad key"))
    plugin = callback(opts=options(retries=2))
    run(plugin)  # raises nothing: a notice never fails the run
    warnings = plugin._display.at("warning")
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("%s: the notice of this run was not sent: %s" % (PLUGIN, cause)), warnings[0]
    if fault == "down":
        # Retried (the connection was never made), each retry shown at -v only.
        assert len([m for m in plugin._display.at("v") if ": retry " in m]) == 2


@pytest.mark.parametrize("lookup", [
    {"json": envelope(status_code=403, message="no permission to read webhooks")},
    {"status": 404, "body": "Not Found"},
], ids=["refused", "no such endpoint"])
def test_a_webhook_the_api_will_not_describe_is_triggered_and_its_answer_kept_off_the_display(api, lookup):
    api.replace("GET", API + "get-webhook", **lookup)
    api.replace("POST", API + "trigger-webhook", json=envelope({"response": {"echo": WEBHOOK["secret"]}}))
    plugin = callback()
    run(plugin)
    assert len(sent_body(api)) == 1 and plugin._display.at("warning") == []
    (shown,) = plugin._display.at("v")
    assert shown.startswith("%s: triggered webhook wh1 (requestId req-200); its answer is not shown, because the "
                            "webhook could not be looked up to mask its secret: " % PLUGIN), shown
    assert WEBHOOK["secret"] not in plugin._display.text()


def test_a_failure_quoting_a_secret_is_masked(mocked):
    mocked.post(API + "get-management-token", status=502, body="proxy saw accessKeySecret=%s" % KEY_SECRET)
    plugin = callback()
    run(plugin)
    (warning,) = plugin._display.at("warning")
    assert "proxy saw accessKeySecret=********" in warning and KEY_SECRET not in warning


def test_a_body_over_the_trigger_limit_is_not_sent(api):
    plugin = callback()
    many = dict(("host-%06d-%s" % (n, "x" * 40), {"ok": 1}) for n in range(MAX_BODY_BYTES // 100))
    run(plugin, per_host=many)
    assert sent_body(api) == []
    (warning,) = plugin._display.at("warning")
    assert "the notice of this run was not sent: Invalid options: request_body: is " in warning
    assert "the limit is %d bytes" % MAX_BODY_BYTES in warning


def test_a_bug_is_one_warning_too(api, monkeypatch):
    monkeypatch.setattr(genauth_webhook, "host_counts", lambda stats: 1 / 0)
    plugin = callback()
    run(plugin)
    (warning,) = plugin._display.at("warning")
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
    run(plugin)
    assert len(api.calls) == 0 and len(plugin._display.at("warning")) == 1


def test_options_ansible_could_not_read_are_one_warning(monkeypatch):
    def broken(self, task_keys=None, var_options=None, direct=None):
        raise genauth_webhook.AnsibleError("Required config 'webhook_id' for 'genauth_webhook' not provided.")
    monkeypatch.setattr(CallbackBase, "set_options", broken)
    monkeypatch.setattr(genauth_webhook.C.config, "get_config_value", lambda *args, **kwargs: None)
    plugin = genauth_webhook.CallbackModule(display=FakeDisplay(), environ={})
    plugin._load_name = PLUGIN
    plugin.set_options()
    assert plugin._display.at("warning") == [
        "%s: Required config 'webhook_id' for 'genauth_webhook' not provided. Nothing will be sent: fix the "
        "[callback_genauth_webhook] section of ansible.cfg or the environment variables (ansible-doc -t callback "
        "%s lists both)." % (PLUGIN, PLUGIN)]


def test_a_gate_ansible_could_not_read_either_is_no_gate(monkeypatch):
    def broken(*args, **kwargs):
        raise genauth_webhook.AnsibleError("Config 'enable_from_environment' has an invalid value.")
    monkeypatch.setattr(genauth_webhook.C.config, "get_config_value", broken)
    plugin = genauth_webhook.CallbackModule(display=FakeDisplay(), environ={})
    plugin._load_name = PLUGIN
    assert plugin._configured_gate(None) is None


def test_options_ansible_read_are_checked(monkeypatch, api):
    def read(self, task_keys=None, var_options=None, direct=None):
        self._plugin_options, self._origins = options(), dict.fromkeys(options(), "/etc/ansible/ansible.cfg")
    monkeypatch.setattr(CallbackBase, "set_options", read)
    plugin = genauth_webhook.CallbackModule(display=FakeDisplay(), environ={})
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
    plugin = genauth_webhook.CallbackModule(display=FakeDisplay(), environ={
        "GENAUTH_ACCESS_KEY_ID": "pool-1", "GENAUTH_ACCESS_KEY_SECRET": KEY_SECRET})
    plugin._load_name = PLUGIN
    plugin.set_options()
    assert plugin._display.shown == []
    plugin.clock = Clock(0)
    plugin._clock = plugin._monotonic = plugin.clock
    run(plugin)
    assert api.calls[0].request.headers["Authorization"] == "Bearer " + STATIC_TOKEN


@pytest.mark.parametrize("value", [None, "", "false", "0", "no"])
def test_a_closed_gate_sends_nothing_and_warns_of_nothing(api, value, monkeypatch):
    environ = {} if value is None else {"CI": value}
    plugin = callback(environ=environ, opts=options(enable_from_environment="CI", webhook_id=""))
    run(plugin)
    assert len(api.calls) == 0 and plugin._display.at("warning") == []
    assert plugin._display.at("v") == ["%s: CI is not set to a true value in the environment "
                                       "(enable_from_environment), so nothing will be sent." % PLUGIN]
    # Even options Ansible could not read are not worth a warning then.
    monkeypatch.setattr(genauth_webhook.C.config, "get_config_value", lambda *args, **kwargs: "CI")
    plugin.configure(None, None, problem="broken", gate=plugin._configured_gate(None))
    assert plugin._display.at("warning") == []


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_an_open_gate_sends(api, value):
    run(callback(environ={"CI": value}, opts=options(enable_from_environment="CI")))
    assert len(sent_body(api)) == 1


def test_a_missing_library_is_one_warning(monkeypatch):
    monkeypatch.setattr(genauth_webhook, "REQUESTS_IMPORT_ERROR", "Traceback ...")
    plugin = callback()
    assert plugin._display.at("warning") == [
        "%s: needs the Python library requests on the controller (the Python that runs ansible-playbook); "
        "nothing will be sent." % PLUGIN]


def test_an_unsafe_transport_is_a_warning_at_start_up():
    plugin = callback(opts=options(validate_certs=False))
    (warning,) = plugin._display.at("warning")
    assert warning.startswith(PLUGIN + ": validate_certs is false")


def test_configured_credentials_win_over_the_other_kind_in_the_environment(api):
    """ansible.cfg gives a token while the environment holds a key pair: the token is used, as a task's would be."""
    environ = {"GENAUTH_ACCESS_KEY_ID": "pool-1", "GENAUTH_ACCESS_KEY_SECRET": KEY_SECRET}
    opts = options(access_token=STATIC_TOKEN, access_key_id="pool-1", access_key_secret=KEY_SECRET)
    origins = {"access_token": "/etc/ansible/ansible.cfg", "access_key_id": "env: GENAUTH_ACCESS_KEY_ID",
               "access_key_secret": "env: GENAUTH_ACCESS_KEY_SECRET"}
    plugin = callback(environ=environ, opts=opts, origins=origins)
    assert plugin._display.at("warning") == []
    run(plugin)
    assert [call.request.url.split("/")[-1].split("?")[0] for call in api.calls] == ["get-webhook", "trigger-webhook"]
    assert api.calls[0].request.headers["Authorization"] == "Bearer " + STATIC_TOKEN


def test_credentials_from_the_environment_alone_are_used(api):
    environ = {"GENAUTH_ACCESS_KEY_ID": "pool-1", "GENAUTH_ACCESS_KEY_SECRET": KEY_SECRET}
    origins = {"access_key_id": "env: GENAUTH_ACCESS_KEY_ID", "access_key_secret": "env: GENAUTH_ACCESS_KEY_SECRET"}
    plugin = callback(environ=environ, origins=origins)
    run(plugin)
    assert len(sent_body(api)) == 1


# ------------------------------------------------------------------------------------------ the documentation


DOC = yaml.safe_load(genauth_webhook.DOCUMENTATION)


def test_the_callback_s_own_options_are_set_in_ini_and_environment():
    for name, spec in DOC["options"].items():
        assert spec["ini"] == [{"section": "callback_genauth_webhook", "key": name}], name
        assert [entry["name"] for entry in spec["env"]] == ["GENAUTH_CALLBACK_" + name.upper()], name
    assert DOC["options"]["webhook_id"]["required"] is True
    assert DOC["options"]["notify_on"]["choices"] == list(genauth_webhook.NOTIFY_ON)


def test_the_connection_options_are_read_from_the_modules_variables():
    """host and the credentials from the GENAUTH_* variables the modules read; every shared option settable."""
    from ansible_collections.genauth.management.plugins.doc_fragments.connection import ModuleDocFragment
    from ansible_collections.genauth.management.plugins.module_utils._connection import argument_spec

    where = yaml.safe_load(ModuleDocFragment.CALLBACK)["options"]
    shared = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(where) == set(shared) == set(argument_spec())
    module_variables = dict(CREDENTIAL_VARIABLES, host=argument_spec()["host"]["fallback"][1][0])
    for name, spec in where.items():
        assert spec["ini"] == [{"section": "callback_genauth_webhook", "key": name}], name
        expected = module_variables.get(name, "GENAUTH_CALLBACK_" + name.upper())
        assert [entry["name"] for entry in spec["env"]] == [expected], name
    assert "genauth.management.connection.callback" in DOC["extends_documentation_fragment"]

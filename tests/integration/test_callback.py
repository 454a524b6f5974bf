"""The genauth_webhook callback in real ansible-playbook runs against the emulator, enabled and configured the way
users do it: ANSIBLE_CALLBACKS_ENABLED and the GENAUTH_* variables (or ansible.cfg).

Each run is at -vvvv and scanned for secrets by the conftest. What the callback decides on its own (the body from
the stats, every message) is tests/unit/plugins/callback/test_genauth_webhook_callback.py's.
"""

import re

import pytest

from tests.emulator.harness import SilentServer, closed_port

PLUGIN = "genauth.management.genauth_webhook"
PLAYBOOK = "callback_run.yml"


class Callback:
    """Runs of callback_run.yml: "good" and "bad" run on this machine; "gone" is an SSH host on a loopback port where
    nothing listens."""

    def __init__(self, ansible, tmp_path):
        self.ansible, self.servers = ansible, ansible.servers
        self.inventory = tmp_path / "callback-inventory.ini"
        self.inventory.write_text(
            "good ansible_connection=local\nbad ansible_connection=local\n"
            "gone ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=%d ansible_user=nobody "
            "ansible_ssh_common_args='-o ConnectTimeout=5 -o BatchMode=yes'\n" % closed_port())

    def run(self, hosts="good", enabled=True, env=(), **kwargs):
        """A run on ``hosts`` (None: all three), with the callback enabled for the "deploy" webhook unless
        ``enabled`` is false, and ``env`` on top (None removes a variable)."""
        deploy = self.servers.webhooks["deploy"]
        variables = {"ANSIBLE_CALLBACKS_ENABLED": PLUGIN, "GENAUTH_CALLBACK_WEBHOOK_ID": deploy} if enabled else {}
        variables.update(env)
        extra_vars = dict(kwargs.pop("extra_vars", {}), **({"run_hosts": hosts} if hosts else {}))
        return self.ansible.playbook(PLAYBOOK, inventory=str(self.inventory), extra_vars=extra_vars, env=variables,
                                     **kwargs)

    def notices(self):
        """The bodies the receiver got, and how many triggers reached the emulator."""
        bodies = [delivery["json"] for delivery in self.servers.receiver.deliveries()]
        return bodies, len(self.servers.emulator.requests("trigger-webhook"))

    def one_notice(self, run):
        bodies, triggers = self.notices()
        assert len(bodies) == 1 and triggers == 1, run.output
        return bodies[0]


@pytest.fixture
def callback(ansible, tmp_path):
    return Callback(ansible, tmp_path)


def plugin_warnings(run):
    return [warning for warning in run.warnings() if PLUGIN in warning]


def test_a_run_with_a_failed_and_an_unreachable_host_sends_one_notice_with_the_right_counts(callback):
    baseline = callback.run(hosts=None, enabled=False)
    assert callback.notices() == ([], 0)
    run = callback.run(hosts=None)
    assert run.rc == baseline.rc != 0, run.output  # the notice never changes the exit code
    body = callback.one_notice(run)
    assert body["event"] == "ansible.playbook.finished" and body["status"] == "failed"
    assert body["check_mode"] is False
    assert body["failed_hosts"] == ["bad"] and body["unreachable_hosts"] == ["gone"]
    assert body["hosts"] == {
        "good": dict(ok=2, changed=1, failures=0, unreachable=0, skipped=1, rescued=0, ignored=0),
        "bad": dict(ok=1, changed=0, failures=1, unreachable=0, skipped=1, rescued=0, ignored=0),
        "gone": dict(ok=0, changed=0, failures=0, unreachable=1, skipped=0, rescued=0, ignored=0),
    }
    assert body["playbook"]["name"] == PLAYBOOK and body["playbook"]["path"].endswith("/playbooks/" + PLAYBOOK)
    assert body["ansible_version"] in run.output and body["controller"] and body["user"]
    assert "awx" not in body
    assert plugin_warnings(run) == []


def test_notify_on_failure_sends_nothing_for_a_successful_run(callback):
    run = callback.run(env={"GENAUTH_CALLBACK_NOTIFY_ON": "failure"})
    assert run.rc == 0, run.output
    assert callback.notices() == ([], 0)
    assert plugin_warnings(run) == []


def test_enable_from_environment_sends_only_when_the_variable_is_true(callback):
    gate = dict(GENAUTH_CALLBACK_ENABLE_FROM_ENVIRONMENT="GENAUTH_TEST_CI", GENAUTH_TEST_CI=None)
    run = callback.run(env=gate)
    assert run.rc == 0 and plugin_warnings(run) == []
    assert callback.servers.emulator.requests() == [] and callback.servers.receiver.deliveries() == []
    run = callback.run(env=dict(gate, GENAUTH_TEST_CI="true"))
    assert callback.one_notice(run)["status"] == "successful"


def test_an_api_that_is_down_is_one_warning_and_the_exit_code_is_unchanged(callback):
    """Bounded by the configuration: one attempt (retries=0) of at most timeout=1 s for each call."""
    baseline = callback.run(hosts=None, enabled=False, scan=False)
    bound = dict(GENAUTH_CALLBACK_TIMEOUT="1", GENAUTH_CALLBACK_RETRIES="0",
                 GENAUTH_HOST="http://127.0.0.1:%d" % closed_port())
    cause = "Could not connect to %s for get-management-token" % bound["GENAUTH_HOST"]
    run = callback.run(hosts=None, env=bound)
    assert run.rc == baseline.rc != 0, run.output
    (warning,) = plugin_warnings(run)
    assert warning.startswith("%s: the notice of this run was not sent: " % PLUGIN) and cause in warning, warning
    assert callback.notices() == ([], 0)
    assert ": retry " not in run.output


# What a failed send says at -v of the time its attempts and waits were given (describe_budget).
BUDGET = re.compile(r"the send made (\d+) attempts?, given ([\d., and]+) s(?:, and waited ([\d., and]+) s between "
                    r"them)?: ([\d.]+) s in all, of the send_timeout of ([\d.]+) s\.")


def seconds_in(text):
    return [float(number) for number in re.findall(r"[\d.]+", text or "")]


def test_an_api_that_never_answers_adds_at_most_send_timeout_to_the_run(callback):
    """The API accepts every connection and never answers; the token call, safe to repeat, is retried as often as
    send_timeout allows. Asserted from what the callback computed from its deadline, not from a clock: the time its
    attempts (each cut off at what it was given) and waits were given is within send_timeout, and the API saw as many
    attempts as the callback says it made. The run's exit code is the one it had without the callback."""
    baseline = callback.run(hosts=None, enabled=False, scan=False)
    with SilentServer() as api:
        run = callback.run(hosts=None, env=dict(
            GENAUTH_HOST="http://127.0.0.1:%d" % api.port, GENAUTH_CALLBACK_TIMEOUT="1",
            GENAUTH_CALLBACK_RETRIES="3", GENAUTH_CALLBACK_SEND_TIMEOUT="2.5"))
        attempts_seen = api.connections
    assert run.rc == baseline.rc != 0, run.output
    (warning,) = plugin_warnings(run)
    assert warning.startswith("%s: the notice of this run was not sent: GenAuth get-management-token" % PLUGIN)
    (account,) = BUDGET.findall(run.output)
    attempts, given, waited, total, limit = int(account[0]), seconds_in(account[1]), seconds_in(account[2]), \
        float(account[3]), float(account[4])
    assert limit == 2.5 and len(given) == attempts == attempts_seen >= 2, run.output
    assert all(seconds <= 1 for seconds in given) and len(waited) == attempts - 1
    assert sum(given) + sum(waited) == pytest.approx(total, abs=0.01) and total <= limit


def test_check_mode_sends_one_notice_that_says_so(callback):
    run = callback.run(check=True)
    assert run.rc == 0, run.output
    body = callback.one_notice(run)
    assert body["check_mode"] is True and body["status"] == "successful"
    # In check mode the command is skipped, as Ansible's recap says.
    assert body["hosts"]["good"]["changed"] == 0


@pytest.mark.parametrize("verbosity", [1, 4])
def test_the_subscriber_s_answer_is_shown_with_secrets_masked(callback, verbosity):
    """A subscriber that echoes the webhook's secret; the conftest scans the output for every secret."""
    servers = callback.servers
    servers.receiver.configure(body={"ticket": "CHG-9", "seen_secret": servers.webhook_secrets["deploy"]})
    run = callback.run(verbosity=verbosity)
    answer = [line for line in run.output.splitlines() if "the subscriber answered" in line]
    assert len(answer) == 1, run.output
    assert '"ticket": "CHG-9"' in answer[0] and '"seen_secret": "********"' in answer[0], run.output


def test_a_missing_webhook_id_is_one_warning_at_start_up_and_nothing_is_sent(callback):
    run = callback.run(env={"GENAUTH_CALLBACK_WEBHOOK_ID": None})
    assert run.rc == 0
    (warning,) = plugin_warnings(run)
    assert "webhook_id" in warning and "Nothing will be sent" in warning
    # Said before the play starts.
    assert run.output.index(warning[:40]) < run.output.index("PLAY [Deploy something]")
    assert callback.servers.emulator.requests() == []


def test_settings_in_ansible_cfg_and_what_awx_tells_the_job(callback, tmp_path):
    """ansible.cfg gives the webhook and the event; AWX's environment and extra vars name the job."""
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\ncallbacks_enabled = %s\n\n[callback_genauth_webhook]\nwebhook_id = %s\n"
                      "event = deploy.finished\nnotify_on = always\n" % (PLUGIN, callback.servers.webhooks["deploy"]))
    run = callback.run(enabled=False, extra_vars={"awx_job_id": 77, "awx_job_template_name": "Deploy billing"},
                       env={"ANSIBLE_CONFIG": str(config), "JOB_ID": "77", "AWX_HOST": "https://awx.example.test"})
    assert run.rc == 0, run.output
    body = callback.one_notice(run)
    assert body["event"] == "deploy.finished"
    assert body["awx"] == {"job_id": 77, "job_template_name": "Deploy billing", "host": "https://awx.example.test"}


def test_an_unknown_webhook_is_one_warning_and_nothing_is_delivered(callback):
    run = callback.run(env={"GENAUTH_CALLBACK_WEBHOOK_ID": "000000000000000000000000"})
    assert run.rc == 0, run.output
    (warning,) = plugin_warnings(run)
    assert warning.startswith("%s: the notice of this run was not sent: GenAuth API error on " % PLUGIN), warning
    assert "statusCode 404" in warning
    assert callback.servers.receiver.deliveries() == []

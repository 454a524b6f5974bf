"""The genauth_webhook callback in real ansible-playbook runs against the emulator, enabled and configured the way
users do it: ANSIBLE_CALLBACKS_ENABLED and the GENAUTH_* variables (or ansible.cfg).

Each run is at -vvvv and scanned for secrets by the conftest. What the callback decides on its own (the body from
the stats, every message) is tests/unit/plugins/callback/test_genauth_webhook_callback.py's.
"""

import uuid

import pytest

from tests.emulator.harness import closed_port

PLUGIN = "genauth.management.genauth_webhook"
PLAYBOOK = "callback_run.yml"


@pytest.fixture
def inventory(tmp_path):
    """good and bad run on this machine; gone is an SSH host on a loopback port where nothing listens."""
    path = tmp_path / "callback-inventory.ini"
    path.write_text(
        "good ansible_connection=local\n"
        "bad ansible_connection=local\n"
        "gone ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=%d ansible_user=nobody "
        "ansible_ssh_common_args='-o ConnectTimeout=5 -o BatchMode=yes'\n" % closed_port())
    return str(path)


def enabled(servers, **variables):
    """The environment that enables the callback for the seeded "deploy" webhook, plus ``variables``."""
    env = {"ANSIBLE_CALLBACKS_ENABLED": PLUGIN, "GENAUTH_CALLBACK_WEBHOOK_ID": servers.webhooks["deploy"]}
    env.update(variables)
    return env


def notices(servers):
    """The bodies the receiver got, and how many triggers reached the emulator."""
    bodies = [delivery["json"] for delivery in servers.receiver.deliveries()]
    return bodies, len(servers.emulator.requests("trigger-webhook"))


def plugin_warnings(run):
    return [warning for warning in run.warnings() if PLUGIN in warning]


def test_a_run_with_a_failed_and_an_unreachable_host_sends_one_notice_with_the_right_counts(ansible, inventory):
    servers = ansible.servers
    baseline = ansible.playbook(PLAYBOOK, inventory=inventory)
    assert notices(servers) == ([], 0)

    run = ansible.playbook(PLAYBOOK, inventory=inventory, env=enabled(servers))
    assert run.rc == baseline.rc != 0, run.output  # the notice never changes the exit code
    bodies, triggers = notices(servers)
    assert len(bodies) == 1 and triggers == 1, run.output
    body = bodies[0]
    assert body["event"] == "ansible.playbook.finished"
    assert body["status"] == "failed"
    assert body["check_mode"] is False
    assert body["failed_hosts"] == ["bad"] and body["unreachable_hosts"] == ["gone"]
    assert body["hosts"] == {
        "good": dict(ok=2, changed=1, failures=0, unreachable=0, skipped=1, rescued=0, ignored=0),
        "bad": dict(ok=1, changed=0, failures=1, unreachable=0, skipped=1, rescued=0, ignored=0),
        "gone": dict(ok=0, changed=0, failures=0, unreachable=1, skipped=0, rescued=0, ignored=0),
    }
    assert body["playbook"]["name"] == PLAYBOOK and body["playbook"]["path"].endswith("/playbooks/" + PLAYBOOK)
    assert str(uuid.UUID(body["run_id"], version=4)) == body["run_id"]
    assert body["finished_at"] >= body["started_at"] and body["duration_seconds"] >= 0
    assert body["ansible_version"] in run.output and body["controller"] and body["user"]
    assert "awx" not in body
    assert plugin_warnings(run) == []
    assert "%s: triggered webhook %s" % (PLUGIN, servers.webhooks["deploy"]) in run.output


def test_notify_on_failure_sends_nothing_for_a_successful_run(ansible, inventory):
    run = ansible.playbook(PLAYBOOK, inventory=inventory, extra_vars={"run_hosts": "good"},
                           env=enabled(ansible.servers, GENAUTH_CALLBACK_NOTIFY_ON="failure"))
    assert run.rc == 0, run.output
    assert notices(ansible.servers) == ([], 0)
    assert plugin_warnings(run) == []
    assert "the run is successful and notify_on is failure: nothing sent" in run.output


def test_enable_from_environment_sends_only_when_the_variable_is_true(ansible, inventory):
    servers = ansible.servers
    gate = dict(GENAUTH_CALLBACK_ENABLE_FROM_ENVIRONMENT="GENAUTH_TEST_CI", GENAUTH_TEST_CI=None)
    run = ansible.playbook(PLAYBOOK, inventory=inventory, extra_vars={"run_hosts": "good"}, env=enabled(servers, **gate))
    assert run.rc == 0 and plugin_warnings(run) == []
    assert servers.emulator.requests() == [] and servers.receiver.deliveries() == []

    gate["GENAUTH_TEST_CI"] = "true"
    run = ansible.playbook(PLAYBOOK, inventory=inventory, extra_vars={"run_hosts": "good"}, env=enabled(servers, **gate))
    bodies, triggers = notices(servers)
    assert len(bodies) == 1 and triggers == 1 and bodies[0]["status"] == "successful"


@pytest.mark.parametrize("fault", ["refused", "no answer"])
def test_an_api_that_is_down_is_one_warning_and_the_exit_code_is_unchanged(ansible, inventory, fault):
    """Bounded by the configuration: one attempt (retries=0) of at most timeout=1 s for each call."""
    servers = ansible.servers
    baseline = ansible.playbook(PLAYBOOK, inventory=inventory, scan=False)
    bound = dict(GENAUTH_CALLBACK_TIMEOUT="1", GENAUTH_CALLBACK_RETRIES="0")
    if fault == "refused":
        bound["GENAUTH_HOST"] = "http://127.0.0.1:%d" % closed_port()
        cause = "Could not connect to %s for get-management-token" % bound["GENAUTH_HOST"]
    else:
        servers.emulator.add_fault("get-management-token", "delay", delay=4)
        cause = "no answer within 1 s (timeout)"
    run = ansible.playbook(PLAYBOOK, inventory=inventory, env=enabled(servers, **bound))
    assert run.rc == baseline.rc != 0, run.output
    (warning,) = plugin_warnings(run)
    assert warning.startswith("%s: the notice of this run was not sent: " % PLUGIN) and cause in warning, warning
    assert servers.receiver.deliveries() == [] and servers.emulator.requests("trigger-webhook") == []
    assert ": retry " not in run.output


def test_check_mode_sends_one_notice_that_says_so(ansible, inventory):
    run = ansible.playbook(PLAYBOOK, inventory=inventory, extra_vars={"run_hosts": "good"}, check=True,
                           env=enabled(ansible.servers))
    assert run.rc == 0, run.output
    bodies, triggers = notices(ansible.servers)
    assert len(bodies) == 1 and triggers == 1
    assert bodies[0]["check_mode"] is True and bodies[0]["status"] == "successful"
    # In check mode the command is skipped, as Ansible's recap says.
    assert bodies[0]["hosts"]["good"]["changed"] == 0


@pytest.mark.parametrize("verbosity", [1, 4])
def test_the_subscriber_s_answer_is_shown_with_secrets_masked(ansible, inventory, verbosity):
    """A subscriber that echoes the webhook's secret; the conftest scans the output for every secret."""
    servers = ansible.servers
    servers.receiver.configure(body={"ticket": "CHG-9", "seen_secret": servers.webhook_secrets["deploy"]})
    run = ansible.playbook(PLAYBOOK, inventory=inventory, extra_vars={"run_hosts": "good"}, verbosity=verbosity,
                           env=enabled(servers))
    answer = [line for line in run.output.splitlines() if "the subscriber answered" in line]
    assert len(answer) == 1 and '"ticket": "CHG-9"' in answer[0] and '"seen_secret": "********"' in answer[0], run.output


def test_a_missing_webhook_id_is_one_warning_at_start_up_and_nothing_is_sent(ansible, inventory):
    servers = ansible.servers
    run = ansible.playbook(PLAYBOOK, inventory=inventory, extra_vars={"run_hosts": "good"},
                           env=enabled(servers, GENAUTH_CALLBACK_WEBHOOK_ID=None))
    assert run.rc == 0
    (warning,) = plugin_warnings(run)
    assert "webhook_id" in warning and "Nothing will be sent" in warning
    # Said before the play starts.
    assert run.output.index(warning[:40]) < run.output.index("PLAY [Deploy something]")
    assert servers.emulator.requests() == []


def test_settings_in_ansible_cfg_and_what_awx_tells_the_job(ansible, inventory, tmp_path):
    """ansible.cfg gives the webhook and the event; AWX's environment and extra vars name the job."""
    servers = ansible.servers
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\ncallbacks_enabled = %s\n\n[callback_genauth_webhook]\nwebhook_id = %s\n"
                      "event = deploy.finished\nnotify_on = always\n" % (PLUGIN, servers.webhooks["deploy"]))
    run = ansible.playbook(PLAYBOOK, inventory=inventory,
                           extra_vars={"run_hosts": "good", "awx_job_id": 77, "awx_job_template_name": "Deploy billing"},
                           env={"ANSIBLE_CONFIG": str(config), "JOB_ID": "77", "AWX_HOST": "https://awx.example.test"})
    assert run.rc == 0, run.output
    bodies, triggers = notices(servers)
    assert len(bodies) == 1 and triggers == 1
    assert bodies[0]["event"] == "deploy.finished"
    assert bodies[0]["awx"] == {"job_id": 77, "job_template_name": "Deploy billing", "host": "https://awx.example.test"}


def test_an_unknown_webhook_is_one_warning_and_nothing_is_delivered(ansible, inventory):
    servers = ansible.servers
    run = ansible.playbook(PLAYBOOK, inventory=inventory, extra_vars={"run_hosts": "good"},
                           env=enabled(servers, GENAUTH_CALLBACK_WEBHOOK_ID="000000000000000000000000"))
    assert run.rc == 0, run.output
    (warning,) = plugin_warnings(run)
    assert warning.startswith("%s: the notice of this run was not sent: GenAuth API error on " % PLUGIN), warning
    assert "statusCode 404" in warning
    assert servers.receiver.deliveries() == []

"""The environment AWX/AAP gives a job from the credential type in extensions/ is all a playbook needs: the module
triggers and the genauth_webhook callback notifies, with no other GENAUTH_* variable set.

The names, flags and rules are checked in tests/unit/test_awx_credential_type.py, which renders the injectors.
"""

from tests.unit.test_awx_credential_type import render

# The servers' own GENAUTH_* variables are removed: only what the credential injects is left.
WITHOUT_SERVERS_CONNECTION = dict.fromkeys(
    ("GENAUTH_HOST", "GENAUTH_ACCESS_KEY_ID", "GENAUTH_ACCESS_KEY_SECRET", "GENAUTH_ACCESS_TOKEN"))


def credential_environment(servers):
    env = dict(WITHOUT_SERVERS_CONNECTION)
    env.update(render({"host": servers.emulator_url, "access_key_id": servers.access_key_id,
                       "access_key_secret": servers.access_key_secret, "webhook_id": servers.webhooks["deploy"]}))
    return env


def test_a_job_with_the_credential_triggers_from_a_task_and_notifies_its_end(ansible):
    servers = ansible.servers
    env = credential_environment(servers)
    env["ANSIBLE_CALLBACKS_ENABLED"] = "genauth.management.genauth_webhook"
    run = ansible.trigger(env=env, extra_vars={"request_body": {"from": "task"}})
    assert run.rc == 0 and run.result["changed"] is True, run.output
    bodies = [delivery["json"] for delivery in servers.receiver.deliveries()]
    assert len(bodies) == 2, run.output
    assert bodies[0] == {"from": "task"}
    assert bodies[1]["event"] == "ansible.playbook.finished" and bodies[1]["status"] == "successful"
    assert bodies[1]["playbook"]["name"] == "trigger.yml"

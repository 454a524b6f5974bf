"""The environment AWX/AAP gives a job from the credential type in extensions/ is all a playbook needs: the module
triggers and the genauth_webhook callback notifies, with no other GENAUTH_* variable set, over HTTPS to the
emulator's TLS endpoint with the CA that the credential's file injector wrote, through the proxy of its proxy_url
(a real one, wanting credentials).

The names, flags and rules are checked in tests/unit/test_awx_credential_type.py, which renders the injectors.
"""

from collections import Counter

from tests.unit.test_awx_credential_type import render

# The servers' own GENAUTH_* variables, and any a developer exported, are removed: only what the credential injects
# is left.
WITHOUT_SERVERS_CONNECTION = dict.fromkeys(
    ("GENAUTH_HOST", "GENAUTH_ACCESS_KEY_ID", "GENAUTH_ACCESS_KEY_SECRET", "GENAUTH_ACCESS_TOKEN", "GENAUTH_CA_PATH",
     "GENAUTH_VALIDATE_CERTS", "GENAUTH_PROXY_URL", "GENAUTH_USE_PROXY"))


def credential_environment(servers, private_dir, **inputs):
    env = dict(WITHOUT_SERVERS_CONNECTION)
    env.update(render(dict({"host": servers.emulator_url, "access_key_id": servers.access_key_id,
                            "access_key_secret": servers.access_key_secret, "webhook_id": servers.webhooks["deploy"]},
                           **inputs), private_dir))
    return env


def test_a_job_with_the_credential_triggers_from_a_task_and_notifies_its_end(tls_ansible, proxy, tmp_path):
    servers = tls_ansible.servers
    tls_ansible.extra_secrets.update(proxy.secrets())
    with open(servers.ca_path, encoding="utf-8") as handle:
        ca_bundle = handle.read()
    env = credential_environment(servers, str(tmp_path / "job"), ca_bundle=ca_bundle, proxy_url=proxy.url())
    assert env["GENAUTH_CA_PATH"].startswith(str(tmp_path / "job" / "env"))
    env["ANSIBLE_CALLBACKS_ENABLED"] = "genauth.management.genauth_webhook"
    run = tls_ansible.trigger(env=env, extra_vars={"request_body": {"from": "task"}})
    assert run.rc == 0 and run.result["changed"] is True, run.output
    bodies = [delivery["json"] for delivery in servers.receiver.deliveries()]
    assert len(bodies) == 2, run.output
    assert bodies[0] == {"from": "task"}
    assert bodies[1]["event"] == "ansible.playbook.finished" and bodies[1]["status"] == "successful"
    assert bodies[1]["playbook"]["name"] == "trigger.yml"
    # The module's calls and the callback's, each through one tunnel (proxy_url wins over the harness's NO_PROXY).
    assert Counter(proxy.requests()) == {("CONNECT", servers.emulator_url.split("://", 1)[1]): 2}

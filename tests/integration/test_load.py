"""Load: 200 triggers from concurrent ansible-playbook runs and forks, each delivered exactly once."""

import collections
import sys
import threading
import time

from tests import guarantees

PLAYBOOKS = 4  # concurrent ansible-playbook processes
HOSTS = 10  # hosts in each one's inventory, all connection: local
FORKS = 10
TRIGGERS_PER_HOST = 5
TOTAL = PLAYBOOKS * HOSTS * TRIGGERS_PER_HOST
# Generous: on an idle 2-core machine the whole load takes about a minute.
BOUND_SECONDS = 600


def _inventory(tmp_path):
    path = tmp_path / "load-inventory.ini"
    lines = ["[load]"] + ["load-%02d ansible_connection=local ansible_python_interpreter=%s" % (n, sys.executable)
                          for n in range(HOSTS)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_200_concurrent_triggers_are_each_delivered_once(ansible, tmp_path):
    servers = ansible.servers
    inventory = _inventory(tmp_path)
    runs = [None] * PLAYBOOKS

    def play(number):
        runs[number] = ansible.playbook(
            "load.yml", inventory=inventory, forks=FORKS, verbosity=1, timeout=BOUND_SECONDS, scan=False,
            extra_vars={"webhook_id": servers.webhooks["deploy"], "batch": "p%d" % number,
                        "triggers_per_host": TRIGGERS_PER_HOST})

    started = time.monotonic()
    threads = [threading.Thread(target=play, args=(number,)) for number in range(PLAYBOOKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started

    delivered = collections.Counter((d.get("json") or {}).get("id") for d in servers.receiver.deliveries())
    expected = set("p%d/load-%02d/%d" % (p, h, t)
                   for p in range(PLAYBOOKS) for h in range(HOSTS) for t in range(TRIGGERS_PER_HOST))
    failed = sum(run.output.count("fatal: [") for run in runs)
    guarantees.record_load(total=TOTAL, playbooks=PLAYBOOKS, hosts=HOSTS, forks=FORKS, per_host=TRIGGERS_PER_HOST,
                           unique=len(expected & set(delivered)), lost=len(expected - set(delivered)),
                           doubled=sum(count - 1 for count in delivered.values() if count > 1), failed=failed,
                           seconds=seconds)

    for run in runs:
        assert run.rc == 0, run.output[-3000:]
        assert run.output.count("failed=0") == HOSTS, run.output[-3000:]
        assert run.output.count("changed: [load-") == HOSTS * TRIGGERS_PER_HOST, run.output[-3000:]
    assert set(delivered) == expected and max(delivered.values()) == 1
    assert sum(delivered.values()) == TOTAL
    assert len(servers.emulator.requests("trigger-webhook")) == TOTAL
    assert seconds < BOUND_SECONDS
    ansible.scan(runs, verbosity=1)

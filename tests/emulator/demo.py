#!/usr/bin/env python
"""`make demo`: build and install the collection, start the emulator and a webhook receiver on loopback, run
docs/examples/deploy.yml (the deploy_webhooks role, for two webhooks) against them, show what the subscribers received
and the value a later task chained, and stop the servers (also when something fails)."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.emulator.harness import Servers, install_collection  # noqa: E402

WORK = REPO_ROOT / ".build" / "demo"
TICKET = "CHG-1042"


def main():
    collections = install_collection(WORK)
    print("demo: built and installed the collection into %s" % collections, flush=True)
    with Servers(WORK / "servers") as servers:
        print("demo: GenAuth emulator on %s, webhook receiver on %s" % (servers.emulator_url, servers.receiver_url),
              flush=True)
        servers.receiver.configure(body={"accepted": True, "ticket": TICKET})
        env = dict(os.environ, **servers.env(), ANSIBLE_COLLECTIONS_PATH=collections,
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_HOME=str(WORK / "ansible-home"))
        code = subprocess.call([str(Path(sys.executable).parent / "ansible-playbook"), "docs/examples/deploy.yml",
                                "-e", "release_root=%s" % (WORK / "release")], env=env, cwd=REPO_ROOT)
        received = servers.receiver.deliveries()
    if code != 0:
        print("demo: the playbook failed (exit code %d)" % code, file=sys.stderr)
        return code
    for delivery in received:
        print("demo: a subscriber received %s %s with body %s"
              % (delivery["method"], delivery["path"], json.dumps(delivery.get("json") or delivery["body"])))
    ticket = (WORK / "release" / "1.4.2" / "CHANGE_TICKET").read_text().strip()
    print("demo: chained value written by a later task: CHANGE_TICKET = %s" % ticket)
    return 0 if ticket == TICKET and len(received) == 2 else 1


if __name__ == "__main__":
    sys.exit(main())

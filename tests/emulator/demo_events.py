#!/usr/bin/env python
"""`make demo-events`: GenAuth's events into a rulebook. Builds and installs the collection, starts the emulator and
ansible-rulebook with the collection's example rulebook (genauth.management.genauth_events_example, whose source is
genauth.management.genauth_events), runs docs/examples/events.yml (declares the webhook whose URL is the source and
sends a test user-created event through it), makes an application's secret be refreshed in the emulator (which
delivers the event as GenAuth does), shows what the rules printed, and stops everything (also when something fails).

    python tests/emulator/demo_events.py [--workdir DIR]
"""

import argparse
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.emulator.harness import Servers, closed_port as free_port, install_collection  # noqa: E402
from tests.emulator.rulebook import Rulebook, RulebookError  # noqa: E402

RULEBOOK = "genauth.management.genauth_events_example"
# What the example rulebook's two rules print, one line each.
FIRED = re.compile(r"^(GenAuth user .*|The secret of GenAuth application .*)$", re.M)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--workdir", default=str(REPO_ROOT / ".build" / "demo-events"))
    work = Path(parser.parse_args(argv).workdir)
    collections = install_collection(work)
    print("demo-events: built and installed the collection into %s" % collections, flush=True)
    port, secret = free_port(), secrets.token_urlsafe(24)
    events = {"GENAUTH_EVENTS_PORT": str(port), "GENAUTH_EVENTS_SECRET": secret}
    with Servers(work / "servers") as servers, \
            Rulebook(RULEBOOK, collections, work / "rulebook", events, verbosity="-v") as rulebook:
        try:
            rulebook.wait_for(r"genauth_events: listening on \S+:%d " % port)
        except RulebookError as exc:
            print("demo-events: %s" % exc, file=sys.stderr)
            return 1
        print("demo-events: GenAuth emulator on %s; ansible-rulebook runs %s, its event source listening on port %d"
              % (servers.emulator_url, RULEBOOK, port), flush=True)
        env = dict(os.environ, **servers.env(), GENAUTH_EVENTS_URL="http://127.0.0.1:%d/genauth" % port,
                   GENAUTH_EVENTS_SECRET=secret, ANSIBLE_COLLECTIONS_PATH=collections,
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_HOME=str(work / "ansible-home"))
        code = subprocess.call([str(Path(sys.executable).parent / "ansible-playbook"), "docs/examples/events.yml"],
                               env=env, cwd=REPO_ROOT)
        if code != 0:
            print("demo-events: the playbook failed (exit code %d)" % code, file=sys.stderr)
            return code
        print("demo-events: an application's secret is refreshed in GenAuth, which delivers the event", flush=True)
        servers.emulator.emit_event(servers.userpool_id, "application:secret-refreshed",
                                    {"id": "62a0b1cxxxxxxxx0f1e2d3c4", "name": "billing"})
        try:
            fired = rulebook.wait_for(FIRED.pattern, timeout=30, count=2)
        except RulebookError as exc:
            print("demo-events: %s" % exc, file=sys.stderr)
            return 1
    for match in fired:
        print("demo-events: a rule fired: %s" % match.group(1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

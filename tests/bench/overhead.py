#!/usr/bin/env python
"""How long genauth_webhook_trigger's GenAuthModule() takes to check its arguments, without Ansible around it.

    PYTHONPATH=COLLECTIONS_PATH python tests/bench/overhead.py ARGS_JSON REPEATS

tests/bench/run.py runs it in a process of its own, where the module is imported as Ansible runs it. It runs the
module's main() REPEATS times with the arguments of ARGS_JSON, stopping each right after GenAuthModule() returns,
before any network call, and prints one JSON list: per run, the seconds it took (total_s) and, of those, the
voluptuous rules' (rules_s, checked_options()); the rest is AnsibleModule's argument spec. The first run also pays
for one-time work (compiling regular expressions, ...).
"""

import importlib
import json
import sys
import time

from ansible.module_utils import basic

MODULE = "ansible_collections.genauth.management.plugins.modules.genauth_webhook_trigger"


class Constructed(Exception):
    """Raised when GenAuthModule() has returned, to stop main() there."""


def main(args_path, repeats):
    with open(args_path, "rb") as handle:
        basic._ANSIBLE_ARGS = handle.read()
    basic._ANSIBLE_PROFILE = "legacy"
    module = importlib.import_module(MODULE)
    _module = sys.modules["ansible_collections.genauth.management.plugins.module_utils._module"]
    rules_s = [0.0]
    checked_options, init = _module.checked_options, _module.GenAuthModule.__init__

    def timed_checked_options(*args, **kwargs):
        start = time.perf_counter()
        try:
            return checked_options(*args, **kwargs)
        finally:
            rules_s[0] += time.perf_counter() - start

    def stopping_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        raise Constructed()

    _module.checked_options, _module.GenAuthModule.__init__ = timed_checked_options, stopping_init
    runs = []
    for dummy in range(repeats):
        rules_s[0] = 0.0
        start = time.perf_counter()
        try:
            module.main()
        except Constructed:
            pass
        except SystemExit:
            sys.exit("the module exited while it checked its arguments: are the benchmark's arguments valid?")
        runs.append({"total_s": time.perf_counter() - start, "rules_s": rules_s[0]})
    print(json.dumps(runs))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

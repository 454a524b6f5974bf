#!/usr/bin/env python
"""The module's own start-up cost, without Ansible around it: import time and argument validation.

    PYTHONPATH=COLLECTIONS_PATH python tests/bench/overhead.py validate ARGS_JSON REPEATS

Runs the module's main() with the arguments of ARGS_JSON (as Ansible passes them) and stops it right
after GenAuthModule() returns, before any network call. Prints JSON: the seconds each construction took,
split into AnsibleModule's part (argument spec) and the voluptuous rules (build_schema + validate).
The first construction is reported apart: it pays for one-time work (compiling regular expressions, ...).
"""

import json
import sys
import time

MODULE = "ansible_collections.genauth.management.plugins.modules.genauth_webhook_trigger"


class _Stop(Exception):
    pass


def validate(args_path, repeats):
    from ansible.module_utils import basic
    import importlib

    with open(args_path, "rb") as fh:
        basic._ANSIBLE_ARGS = fh.read()
    basic._ANSIBLE_PROFILE = "legacy"
    module = importlib.import_module(MODULE)
    _module = sys.modules["ansible_collections.genauth.management.plugins.module_utils._module"]

    spent = {"rules": 0.0}

    def timed(func):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent["rules"] += time.perf_counter() - start
        return wrapper

    _module.build_schema = timed(_module.build_schema)
    _module.validate = timed(_module.validate)
    original_init = _module.GenAuthModule.__init__

    def stopping_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        raise _Stop()

    _module.GenAuthModule.__init__ = stopping_init
    runs = []
    for dummy in range(repeats):
        spent["rules"] = 0.0
        start = time.perf_counter()
        try:
            module.main()
        except _Stop:
            pass
        except SystemExit:
            raise SystemExit("the module exited during validation: are the benchmark arguments valid?")
        total = time.perf_counter() - start
        runs.append({"total_s": total, "rules_s": spent["rules"], "ansible_module_s": total - spent["rules"]})
    return {"first": runs[0], "rest": runs[1:]}


def main(argv):
    if argv[1] == "validate":
        print(json.dumps(validate(argv[2], int(argv[3]))))
        return 0
    raise SystemExit("unknown action %r" % argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))

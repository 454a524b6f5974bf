#!/usr/bin/env python
"""(d) Trigger the benchmark webhooks one after another with the official `genauth` Python SDK.

    python tests/bench/sdk_trigger.py VARS_JSON

VARS_JSON is the variables file the playbooks get (bench_webhook_ids, bench_request_headers,
bench_request_body); the connection comes from GENAUTH_HOST, GENAUTH_ACCESS_KEY_ID and
GENAUTH_ACCESS_KEY_SECRET. Exits non-zero unless every trigger answered statusCode 200.
"""

import json
import os
import sys

from genauth import ManagementClient


def main(argv):
    with open(argv[1], encoding="utf-8") as fh:
        variables = json.load(fh)
    client = ManagementClient(access_key_id=os.environ["GENAUTH_ACCESS_KEY_ID"],
                              access_key_secret=os.environ["GENAUTH_ACCESS_KEY_SECRET"],
                              host=os.environ["GENAUTH_HOST"])
    for webhook_id in variables["bench_webhook_ids"]:
        answer = client.trigger_webhook(webhook_id, request_headers=variables["bench_request_headers"],
                                        request_body=variables["bench_request_body"])
        if answer.get("statusCode") != 200:
            print("trigger of %s failed: %s" % (webhook_id, answer), file=sys.stderr)
            return 1
    print("triggered %d webhooks" % len(variables["bench_webhook_ids"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

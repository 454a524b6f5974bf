#!/usr/bin/env bash
# The documented playbook contract of genauth.management.genauth_webhook (module docs, the "Webhooks as code"
# guide), against the GenAuth emulator that tests/tooling/run_ansible_test.py --emulator starts.
set -eux
export ANSIBLE_ROLES_PATH=../
for playbook in lifecycle.yml refusals.yml set.yml; do
    ansible-playbook -i ../../inventory -e @../../integration_config.yml "$@" "$playbook"
done

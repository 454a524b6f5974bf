#!/usr/bin/env bash
# The documented playbook contract of genauth.management.genauth_webhook_trigger (README, docs/docsite), against
# the GenAuth emulator that tests/tooling/run_ansible_test.py --emulator starts (see setup_genauth_emulator).
set -eux
export ANSIBLE_ROLES_PATH=../
for playbook in one_webhook.yml several_webhooks.yml; do
    ansible-playbook -i ../../inventory -e @../../integration_config.yml "$@" "$playbook"
done

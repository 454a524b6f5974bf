#!/usr/bin/env bash
# The documented playbook contract of genauth.management.genauth_webhook_info (module docs, the "Webhooks as
# code" guide), against the GenAuth emulator that tests/tooling/run_ansible_test.py --emulator starts.
set -eux
export ANSIBLE_ROLES_PATH=../
ansible-playbook -i ../../inventory -e @../../integration_config.yml "$@" list.yml

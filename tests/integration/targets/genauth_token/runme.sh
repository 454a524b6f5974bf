#!/usr/bin/env bash
# The documented playbook contract of genauth.management.genauth_token and of the lean trigger it enables
# (README, the module's EXAMPLES), against the GenAuth emulator that tests/tooling/run_ansible_test.py --emulator
# starts (see setup_genauth_emulator).
set -eux
export ANSIBLE_ROLES_PATH=../
for playbook in login_once.yml lean_trigger.yml; do
    ansible-playbook -i ../../inventory -e @../../integration_config.yml "$@" "$playbook"
done

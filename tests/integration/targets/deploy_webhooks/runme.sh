#!/usr/bin/env bash
# The documented playbook contract of the genauth.management.deploy_webhooks role (its README and the "after a
# deployment" guide), against the GenAuth emulator that tests/tooling/run_ansible_test.py --emulator starts.
set -eux -o pipefail
export ANSIBLE_ROLES_PATH=../
playbook() {
    ansible-playbook -i inventory.ini -e @../../integration_config.yml -e "output_dir=${OUTPUT_DIR}" "$@"
}

# A deployment play of three hosts, one of which fails its deployment: the run ends with exit code 2 (a host
# failed), so the last play proves that its checks passed by writing a marker.
rm -f "${OUTPUT_DIR}/deploy-checked"
set +e
playbook deploy.yml "$@"
rc=$?
set -e
[ "${rc}" -eq 2 ] && [ -f "${OUTPUT_DIR}/deploy-checked" ]

# The handler fires only when a deployment task reports a change.
playbook handler.yml -e deploy_changes=true "$@"
playbook handler.yml -e deploy_changes=false "$@"

# Check mode delivers nothing and says what would be sent.
playbook check_mode.yml --check "$@"

# Failures: recorded, raised or refused as documented; each failed target adds a warning.
playbook failures.yml "$@" 2>&1 | tee "${OUTPUT_DIR}/failures.log"
grep -q 'Webhook 000000000000000000000000 failed: ' "${OUTPUT_DIR}/failures.log"
grep -q 'None of the 2 webhooks was triggered' "${OUTPUT_DIR}/failures.log"

# deploy_webhooks_set_stats publishes the results as the run's custom stats (an AWX job's artifacts, which later
# workflow nodes get as extra vars); ANSIBLE_SHOW_CUSTOM_STATS prints them in the recap. By default: nothing.
ANSIBLE_SHOW_CUSTOM_STATS=true playbook set_stats.yml "$@" | tee "${OUTPUT_DIR}/set_stats.log"
ANSIBLE_SHOW_CUSTOM_STATS=true playbook set_stats.yml -e deploy_webhooks_set_stats=false "$@" \
    | tee "${OUTPUT_DIR}/set_stats_default.log"
playbook set_stats_check.yml "$@"

# Boolean variables from the command line are strings ("false", "no", ...): every one of them takes them.
for value in false no true yes; do
    ANSIBLE_SHOW_CUSTOM_STATS=true playbook cli_booleans.yml -e "deploy_webhooks_fail_on_error=${value}" \
        -e "deploy_webhooks_set_stats=${value}" -e "deploy_webhooks_validate_certs=${value}" "$@" \
        | tee "${OUTPUT_DIR}/cli_booleans_${value}.log"
    case "${value}" in
        true|yes) grep -q 'CUSTOM STATS' "${OUTPUT_DIR}/cli_booleans_${value}.log" ;;
        *) if grep -q 'CUSTOM STATS' "${OUTPUT_DIR}/cli_booleans_${value}.log"; then exit 1; fi ;;
    esac
done

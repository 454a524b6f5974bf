"""The AWX/AAP credential type in extensions/ and the variables the modules and the genauth_webhook callback read
stay in step: every injected variable is read by one of them, under the option its field is named after; every
variable the modules read for their connection is injected; the secrets are marked secret; and the environment AWX
renders from it gives options that the modules' own rules accept.

tests/integration/test_credential_type_environment.py runs playbooks with that rendered environment alone.
"""

import os

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.genauth.management.plugins.callback import genauth_webhook
from ansible_collections.genauth.management.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.genauth.management.plugins.module_utils._connection import (
    CREDENTIAL_VARIABLES, argument_spec, credentials_from_environment,
)
from ansible_collections.genauth.management.plugins.module_utils._options import options_schema
from ansible_collections.genauth.management.plugins.module_utils._validation import validate

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPE_DIR = os.path.join(REPO_ROOT, "extensions", "awx", "credential_types", "genauth")
# What AWX accepts in a custom credential type's input field (its schema has additionalProperties: false).
AWX_FIELD_KEYS = {"id", "type", "label", "help_text", "multiline", "secret", "ask_at_runtime", "choices", "format"}


def load(name):
    with open(os.path.join(TYPE_DIR, name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


INPUTS = load("inputs.yml")
INJECTORS = load("injectors.yml")
FIELDS = dict((field["id"], field) for field in INPUTS["fields"])
MODULE_SPEC = argument_spec()
# Variable -> option, for the modules (host's fallback, the credential variables) and for the callback (its docs).
MODULE_READS = dict([(MODULE_SPEC["host"]["fallback"][1][0], "host")] +
                    [(variable, option) for option, variable in CREDENTIAL_VARIABLES])
CALLBACK_OPTIONS = dict(yaml.safe_load(genauth_webhook.DOCUMENTATION)["options"],
                        **yaml.safe_load(ModuleDocFragment.CALLBACK)["options"])
CALLBACK_READS = dict((entry["name"], option) for option, spec in CALLBACK_OPTIONS.items() for entry in spec["env"])


def test_the_inputs_are_what_awx_accepts():
    assert set(INPUTS) == {"fields", "required"} and set(INJECTORS) == {"env"}
    for field in INPUTS["fields"]:
        assert set(field) <= AWX_FIELD_KEYS and {"id", "label", "type"} <= set(field), field
        assert field["type"] == "string"
    assert len(FIELDS) == len(INPUTS["fields"])
    assert set(INPUTS["required"]) <= set(FIELDS)


@pytest.mark.parametrize("variable", sorted(INJECTORS["env"]))
def test_each_injected_variable_is_read_under_the_option_its_field_is_named_after(variable):
    template = INJECTORS["env"][variable]
    field = template.strip("{} ")
    assert template == "{{ %s }}" % field and field in FIELDS
    assert not variable.startswith("ANSIBLE_"), "AWX refuses to inject ANSIBLE_* variables"
    assert variable in MODULE_READS or variable in CALLBACK_READS, "%s is read by nothing" % variable
    for reads in (MODULE_READS, CALLBACK_READS):
        if variable in reads:
            assert reads[variable] == field


def test_every_variable_the_modules_read_is_injected_and_the_callback_reads_the_same():
    assert set(MODULE_READS) <= set(INJECTORS["env"])
    for variable, option in MODULE_READS.items():
        assert CALLBACK_READS[variable] == option


def test_the_secrets_are_marked_secret_and_nothing_else_is():
    for option, field in FIELDS.items():
        secret = bool(MODULE_SPEC.get(option, {}).get("no_log"))
        assert bool(field.get("secret")) == secret, option
    assert FIELDS["access_key_secret"]["secret"] and FIELDS["access_token"]["secret"]


def render(inputs):
    """The environment AWX gives a job: each env injector rendered in a sandbox with the credential's inputs; a
    field left empty is not in the namespace, so it renders as an empty string."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = dict((name, value) for name, value in inputs.items() if value)
    return dict((variable, sandbox.from_string(template).render(**namespace))
                for variable, template in INJECTORS["env"].items())


@pytest.mark.parametrize("inputs", [
    {"host": "https://api.genauth.ai", "access_key_id": "pool-1", "access_key_secret": "s3cret"},
    {"host": "https://genauth.example.internal/prefix", "access_token": "a.b.c", "webhook_id": "wh1"},
], ids=["key pair", "token"])
def test_the_rendered_environment_gives_options_the_modules_accept(inputs):
    environ = render(inputs)
    params = dict((name, spec.get("default")) for name, spec in MODULE_SPEC.items())
    params["host"] = environ["GENAUTH_HOST"]
    credentials_from_environment(params, environ)
    options = validate(options_schema(), params)
    assert options["host"] == inputs["host"]
    assert options.get("access_token") == inputs.get("access_token")
    assert options.get("access_key_secret") == inputs.get("access_key_secret")
    assert environ["GENAUTH_CALLBACK_WEBHOOK_ID"] == inputs.get("webhook_id", "")

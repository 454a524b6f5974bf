"""The AWX/AAP credential type in extensions/ and the variables the modules and the genauth_webhook callback read
stay in step: every injected variable is read by one of them, under the option its field is named after (or, for
the CA file, an option that takes a path); every variable the modules read for their connection is injected, but
those a credential is no place for; the secrets are marked secret; and the environment AWX renders from it, the
CA file included, gives options that the modules' own argument spec and rules accept.

tests/integration/test_credential_type_environment.py runs a playbook with that rendered environment alone.
"""

import os
import stat
import tempfile
from types import SimpleNamespace

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.genauth.management.plugins.callback import genauth_webhook
from ansible_collections.genauth.management.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.genauth.management.plugins.module_utils._connection import (
    CREDENTIAL_VARIABLES, SETTING_VARIABLES, argument_spec,
)
from ansible_collections.genauth.management.plugins.module_utils._options import checked_options

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPE_DIR = os.path.join(REPO_ROOT, "extensions", "awx", "credential_types", "genauth")
# What AWX accepts in a custom credential type's input field (its schema has additionalProperties: false).
AWX_FIELD_KEYS = {"id", "type", "label", "help_text", "multiline", "secret", "ask_at_runtime", "choices", "format"}
# The template of the one file an injector may write, and how other injectors name that file (AWX's tower namespace).
FILE_TEMPLATE = "template"
FILE_NAME = "{{ tower.filename }}"


def load(name):
    with open(os.path.join(TYPE_DIR, name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


INPUTS = load("inputs.yml")
INJECTORS = load("injectors.yml")
FIELDS = dict((field["id"], field) for field in INPUTS["fields"])
MODULE_SPEC = argument_spec()
# Variable -> option, for the modules (host's fallback, the credential and setting variables) and for the callback
# (its docs).
MODULE_READS = dict([(MODULE_SPEC["host"]["fallback"][1][0], "host")] +
                    [(variable, option) for option, variable in CREDENTIAL_VARIABLES + SETTING_VARIABLES])
CALLBACK_OPTIONS = dict(yaml.safe_load(genauth_webhook.DOCUMENTATION)["options"],
                        **yaml.safe_load(ModuleDocFragment.CALLBACK)["options"])
CALLBACK_READS = dict((entry["name"], option) for option, spec in CALLBACK_OPTIONS.items() for entry in spec["env"])
# What the modules read that the credential type leaves out, and why.
NOT_INJECTED = {
    "GENAUTH_VALIDATE_CERTS": "a credential is no place to turn verification off: the CA field is the way to trust a "
                              "private deployment",
    "GENAUTH_USE_PROXY": "AWX's job settings set every job's proxy variables, NO_PROXY included",
}


def test_the_inputs_are_what_awx_accepts():
    assert set(INPUTS) == {"fields", "required"} and set(INJECTORS) == {"env", "file"}
    for field in INPUTS["fields"]:
        assert set(field) <= AWX_FIELD_KEYS and {"id", "label", "type"} <= set(field), field
        assert field["type"] == "string"
    assert len(FIELDS) == len(INPUTS["fields"])
    assert set(INPUTS["required"]) <= set(FIELDS)
    # One file, written from one field (AWX's unnamed file injector), which holds PEM text over several lines.
    assert list(INJECTORS["file"]) == [FILE_TEMPLATE]
    assert FIELDS[file_field()]["multiline"] is True


def file_field():
    """The field whose value AWX writes into the file."""
    template = INJECTORS["file"][FILE_TEMPLATE]
    field = template.strip("{} ")
    assert template == "{{ %s }}" % field and field in FIELDS
    return field


@pytest.mark.parametrize("variable", sorted(INJECTORS["env"]))
def test_each_injected_variable_is_read_under_the_option_its_field_is_named_after(variable):
    template = INJECTORS["env"][variable]
    assert not variable.startswith("ANSIBLE_"), "AWX refuses to inject ANSIBLE_* variables"
    assert variable in MODULE_READS or variable in CALLBACK_READS, "%s is read by nothing" % variable
    if FILE_NAME in template:
        # The file's name, when its field is filled in: read under an option that takes a path, by both.
        assert template == "{%% if %s %%}%s{%% endif %%}" % (file_field(), FILE_NAME)
        assert MODULE_SPEC[MODULE_READS[variable]]["type"] == "path" and CALLBACK_READS[variable] == MODULE_READS[variable]
        return
    field = template.strip("{} ")
    assert template == "{{ %s }}" % field and field in FIELDS
    for reads in (MODULE_READS, CALLBACK_READS):
        if variable in reads:
            assert reads[variable] == field


def test_every_variable_the_modules_read_is_injected_and_the_callback_reads_the_same():
    assert set(MODULE_READS) - set(NOT_INJECTED) <= set(INJECTORS["env"])
    assert not set(NOT_INJECTED) & set(INJECTORS["env"])
    for variable, option in MODULE_READS.items():
        assert CALLBACK_READS[variable] == option


def test_the_secrets_are_marked_secret_and_nothing_else_is():
    """A field is secret when the option it feeds is no_log. The CA certificates are not: they are public, and AWX
    would encrypt a secret field and hide it from whoever checks which CA a credential trusts."""
    for option, field in FIELDS.items():
        secret = bool(MODULE_SPEC.get(option, {}).get("no_log"))
        assert bool(field.get("secret")) == secret, option
    assert FIELDS["access_key_secret"]["secret"] and FIELDS["access_token"]["secret"] and FIELDS["proxy_url"]["secret"]
    assert not FIELDS[file_field()].get("secret")


def test_awx_accepts_the_templates():
    """As AWX validates injectors: each rendered with every field defined, tower.filename too, undefined names an
    error."""
    namespace = dict((field, "EXAMPLE") for field in FIELDS)
    namespace["tower"] = SimpleNamespace(filename="EXAMPLE_FILENAME")
    sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind in ("file", "env"):
        for template in INJECTORS[kind].values():
            sandbox.from_string(template).render(namespace)


def render(inputs, private_dir=None):
    """The environment AWX gives a job: the file injector written into ``private_dir`` (a new temporary folder by
    default) as AWX writes it (mode 0600, even when empty), then each env injector rendered in a sandbox with the
    credential's inputs and the file's name; a field left empty is not in the namespace, so it renders as an empty
    string."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = dict((name, value) for name, value in inputs.items() if value)
    env_dir = os.path.join(private_dir or tempfile.mkdtemp(prefix="awx-job-"), "env")
    os.makedirs(env_dir, exist_ok=True)
    handle, path = tempfile.mkstemp(dir=env_dir)
    with os.fdopen(handle, "w") as written:
        written.write(sandbox.from_string(INJECTORS["file"][FILE_TEMPLATE]).render(**namespace))
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    namespace["tower"] = SimpleNamespace(filename=path)
    return dict((variable, sandbox.from_string(template).render(**namespace))
                for variable, template in INJECTORS["env"].items())


CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize("inputs", [
    {"host": "https://api.genauth.ai", "access_key_id": "pool-1", "access_key_secret": "s3cret"},
    {"host": "https://genauth.example.internal/prefix", "access_token": "a.b.c", "webhook_id": "wh1",
     "ca_bundle": CA_PEM, "proxy_url": "http://ci:pr0xy@proxy.example.internal:3128"},
], ids=["key pair", "token, CA and proxy"])
def test_the_rendered_environment_gives_options_the_modules_accept(monkeypatch, tmp_path, inputs):
    environ = render(inputs, str(tmp_path))
    for name in list(os.environ):
        if name.startswith("GENAUTH_"):
            monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    validation = ArgumentSpecValidator(MODULE_SPEC).validate({})
    assert not validation.error_messages
    options = checked_options(validation.validated_parameters, environ)
    assert options["host"] == inputs["host"]
    assert options.get("access_token") == inputs.get("access_token")
    assert options.get("access_key_secret") == inputs.get("access_key_secret")
    assert options["proxy_url"] == inputs.get("proxy_url") and options["use_proxy"] is True
    assert environ["GENAUTH_CALLBACK_WEBHOOK_ID"] == inputs.get("webhook_id", "")
    if "ca_bundle" in inputs:
        with open(options["ca_path"], encoding="utf-8") as handle:
            assert handle.read() == CA_PEM
        assert stat.S_IMODE(os.stat(options["ca_path"]).st_mode) == 0o600
    else:
        assert options["ca_path"] is None and environ["GENAUTH_CA_PATH"] == ""

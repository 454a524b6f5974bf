"""Every default, range and limit is a constant in one place (plugins/module_utils) and is stated in its option's
docs, which are checked here against the constant. Other prose links to the option instead of repeating the
number; the few sentences that still state a limit (the doc fragment's notes, the bounds of the guarantees page,
limits that belong to no option) are listed in PROSE, each of which must still be found (so a rewording comes back
here instead of escaping the check).
"""

import importlib
import os
import re

import pytest
import yaml

from ansible_collections.genauth.management.extensions.eda.plugins.event_source import genauth_events
from ansible_collections.genauth.management.plugins.callback import genauth_webhook as genauth_webhook_callback
from ansible_collections.genauth.management.plugins.doc_fragments.connection import ModuleDocFragment as Connection
from ansible_collections.genauth.management.plugins.module_utils._auth import EXPIRY_MARGIN
from ansible_collections.genauth.management.plugins.module_utils._connection import (
    DEFAULT_HOST, RETRIES, TIMEOUT, argument_spec,
)
from ansible_collections.genauth.management.plugins.module_utils._envelope import MAX_ANSWER_BYTES, MAX_JSON_DEPTH
from ansible_collections.genauth.management.plugins.module_utils._parallel import CONCURRENCY
from ansible_collections.genauth.management.plugins.module_utils._resource import MAX_PAGES
from ansible_collections.genauth.management.plugins.module_utils._retry import BASE_DELAY, MAX_DELAY, RETRY_AFTER_CAP
from ansible_collections.genauth.management.plugins.module_utils._validation import MAX_ID_LENGTH
from ansible_collections.genauth.management.plugins.module_utils._trigger import MAX_BODY_BYTES
from ansible_collections.genauth.management.plugins.module_utils._webhook_info import LOGS_LIMIT
from ansible_collections.genauth.management.plugins.module_utils._webhooks import (
    CONTENT_TYPES, DEFAULT_CONTENT_TYPE, MAX_WEBHOOKS, PAGE_LIMIT,
)
from ansible_collections.genauth.management.plugins.modules import genauth_webhook, genauth_webhook_info
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_trigger

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIB = 1024 * 1024


def read(path):
    with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as handle:
        return handle.read()


def whole_number_sentence(bounds):
    return "Must be between V(%d) and V(%d)." % (bounds.low, bounds.high)


def seconds_sentence(bounds):
    return "Must be greater than V(%d) and at most V(%d)." % (bounds.low, bounds.high)


def description(options, name):
    text = options[name]["description"]
    return " ".join(text) if isinstance(text, list) else text


CONNECTION_OPTIONS = yaml.safe_load(Connection.DOCUMENTATION)["options"]
TRIGGER_OPTIONS = yaml.safe_load(genauth_webhook_trigger.DOCUMENTATION)["options"]
INFO_OPTIONS = yaml.safe_load(genauth_webhook_info.DOCUMENTATION)["options"]
WEBHOOK_OPTIONS = yaml.safe_load(genauth_webhook.DOCUMENTATION)["options"]
ROLE_SPEC = yaml.safe_load(read("roles/deploy_webhooks/meta/argument_specs.yml"))["argument_specs"]["main"]["options"]
ROLE_DEFAULTS = yaml.safe_load(read("roles/deploy_webhooks/defaults/main.yml"))
CALLBACK_OPTIONS = yaml.safe_load(genauth_webhook_callback.DOCUMENTATION)["options"]

# Option docs: (the options, the option, its default and range sentence, or None, and other sentences).
OPTION_DOCS = [
    (CONNECTION_OPTIONS, "host", DEFAULT_HOST, None),
    (CONNECTION_OPTIONS, "timeout", TIMEOUT.default, seconds_sentence(TIMEOUT)),
    (CONNECTION_OPTIONS, "retries", RETRIES.default, whole_number_sentence(RETRIES)),
    (TRIGGER_OPTIONS, "concurrency", CONCURRENCY.default, whole_number_sentence(CONCURRENCY)),
    (WEBHOOK_OPTIONS, "concurrency", CONCURRENCY.default, whole_number_sentence(CONCURRENCY)),
    (CALLBACK_OPTIONS, "event", genauth_webhook_callback.DEFAULT_EVENT, None),
    (CALLBACK_OPTIONS, "notify_on", genauth_webhook_callback.NOTIFY_ON[0], None),
    (CALLBACK_OPTIONS, "send_timeout", genauth_webhook_callback.SEND_TIMEOUT.default,
     seconds_sentence(genauth_webhook_callback.SEND_TIMEOUT)),
    (INFO_OPTIONS, "logs_limit", LOGS_LIMIT.default, whole_number_sentence(LOGS_LIMIT)),
]


@pytest.mark.parametrize("options, name, default, sentence", OPTION_DOCS, ids=[row[1] for row in OPTION_DOCS])
def test_option_docs_state_the_default_and_range(options, name, default, sentence):
    assert options[name]["default"] == default
    if sentence:
        assert sentence in description(options, name)


# Prose: (file, pattern, what its groups must say). Each pattern must match at least once, and every match
# must agree. Numbers are compared as numbers, so "30" and "30.0" say the same.
PROSE = [
    ("plugins/doc_fragments/connection.py", r"C\(Retry-After\) \(capped at (\d+) seconds\)", (RETRY_AFTER_CAP,)),
    ("plugins/modules/genauth_webhook_trigger.py", r"longer than (\d+) characters", (MAX_ID_LENGTH,)),
    ("plugins/callback/genauth_webhook.py", r"longer than (\d+) characters", (MAX_ID_LENGTH,)),
    ("plugins/modules/genauth_webhook_trigger.py", r"At most (\d+) MiB once encoded as JSON", (MAX_BODY_BYTES / MIB,)),
    ("plugins/modules/genauth_webhook_trigger.py", r"before anything is sent\. At most\s+(\d+) items", (MAX_WEBHOOKS,)),
    ("plugins/modules/genauth_webhook.py", r"before any API call\.\s+At most (\d+) items", (MAX_WEBHOOKS,)),
    ("docs/docsite/rst/guarantees.rst", r"The steps start at ([\d.]+) s, double each time,\s+and are capped at (\d+) s",
     (BASE_DELAY, MAX_DELAY)),
    ("plugins/doc_fragments/connection.py", r"lapses within (\d+) seconds, or within half its lifetime",
     (EXPIRY_MARGIN,)),
    ("plugins/modules/genauth_webhook_trigger.py", r"C\(list-webhooks\) \((\d+) webhooks a page\)", (PAGE_LIMIT,)),
]


# The bounds on what a server may send (_envelope, _resource) and on a callback send.
PROSE += [
    ("plugins/doc_fragments/connection.py", r"An answer larger than (\d+) MiB, counted after decompression",
     (MAX_ANSWER_BYTES / MIB,)),
    ("plugins/doc_fragments/connection.py", r"a\s+list is read in at most (\d+) pages", (MAX_PAGES,)),
    ("docs/docsite/rst/guarantees.rst", r"An answer larger than (\d+) MiB, counted after decompression",
     (MAX_ANSWER_BYTES / MIB,)),
    ("docs/docsite/rst/guarantees.rst", r"and in\s+at most (\d+) pages: a ``totalCount`` beyond them", (MAX_PAGES,)),
    ("docs/docsite/rst/guarantees.rst", r"JSON nested more than (\d+) levels deep is cut there", (MAX_JSON_DEPTH,)),
    ("plugins/modules/genauth_webhook_trigger.py", r"Parts nested more than (\d+) levels deep", (MAX_JSON_DEPTH,)),
]


# The event source's defaults are its DOCUMENTATION's (its unit test checks them); the events guide states one.
PROSE += [
    ("docs/docsite/rst/events.rst", r"larger than ``max_body_size`` \((\d+) MiB by default\)",
     (genauth_events.MAX_BODY_SIZE / MIB,)),
]


def test_the_content_type_choices_are_the_constant():
    assert WEBHOOK_OPTIONS["content_type"]["choices"] == list(CONTENT_TYPES)
    assert "default" not in WEBHOOK_OPTIONS["content_type"]  # a default applies on create only, never on update
    assert "Defaults to V(%s) when the webhook is created" % DEFAULT_CONTENT_TYPE in description(WEBHOOK_OPTIONS, "content_type")


@pytest.mark.parametrize("path, pattern, expected", PROSE, ids=["%s: %s" % (row[0], row[1][:30]) for row in PROSE])
def test_prose_says_what_the_constants_say(path, pattern, expected):
    matches = list(re.finditer(pattern, read(path)))
    assert matches, "%s no longer says %r: update the sentence and this test together" % (path, pattern)
    for match in matches:
        assert tuple(float(group) for group in match.groups()) == tuple(float(value) for value in expected), \
            "%s: %r" % (path, match.group(0))


# The role passes each of these variables to the module option of the same name.
ROLE_PASSES = ("host", "access_key_id", "access_key_secret", "access_token", "validate_certs", "ca_path", "timeout",
               "retries", "concurrency")
MODULE_SPEC = argument_spec(**genauth_webhook_trigger.ARGUMENT_SPEC)


@pytest.mark.parametrize("option", ROLE_PASSES)
def test_role_variables_match_the_module_options_they_set(option):
    variable = "deploy_webhooks_" + option
    spec, module = ROLE_SPEC[variable], MODULE_SPEC[option]
    # A path is a str to the role: the module expands it. An id is raw to the module, whose rule refuses a value
    # that is not a string; the role documents it as the str it must be.
    assert spec["type"] == {"path": "str", "raw": "str"}.get(module["type"], module["type"])
    assert ROLE_DEFAULTS[variable] == spec["default"]
    assert bool(spec.get("no_log")) == bool(module.get("no_log"))
    # An empty string leaves the option to the module's GENAUTH_* environment variables, null to the module's
    # default: the role states neither a default nor a range of its own, and links to the option instead.
    assert spec["default"] in ("", None) or spec["default"] == module["default"]
    if spec["default"] is None:
        text = description(ROLE_SPEC, variable)
        assert "O(genauth.management.genauth_webhook_trigger#module:%s)" % option in text
        assert not re.search(r"V\(\d+\)|\b%s\b" % re.escape(str(module["default"])), text), text


def test_role_readme_lists_every_variable_with_its_default():
    rows = dict(re.findall(r"^\| `(deploy_webhooks_\w+)` \| `([^`]*)` \|", read("roles/deploy_webhooks/README.md"), re.M))
    for variable, spec in ROLE_SPEC.items():
        if variable == "deploy_webhooks_payload":
            continue  # too long for a table cell: the README shows it in a section of its own
        assert variable in rows, "%s is not in the role README's table with its default" % variable
        assert yaml.safe_load(rows[variable]) == spec["default"], variable


def test_the_action_group_lists_exactly_the_modules_that_document_it():
    """meta/runtime.yml and each module's attributes say the same about module_defaults."""
    group = set(yaml.safe_load(read("meta/runtime.yml"))["action_groups"]["genauth"])
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(REPO_ROOT, "plugins", "modules")) if name.endswith(".py"))
    documented = set(name for name in modules if "genauth.management.attributes.actiongroup_genauth" in yaml.safe_load(
        importlib.import_module("ansible_collections.genauth.management.plugins.modules." + name).DOCUMENTATION
    ).get("extends_documentation_fragment", []))
    assert group == documented


def test_every_module_runs_through_the_one_action_plugin_whose_off_switch_the_docs_name():
    """Each module has its action plugin, _in_process's (genauth_token's a subclass of it), and the names of the
    off switch are stated where users read them as the plugin reads them."""
    from ansible_collections.genauth.management.plugins.plugin_utils import _in_process
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(REPO_ROOT, "plugins", "modules")) if name.endswith(".py"))
    for name in modules:
        action = importlib.import_module("ansible_collections.genauth.management.plugins.action." + name).ActionModule
        assert issubclass(action, _in_process.ActionModule), name
    for path in ("plugins/doc_fragments/attributes.py", "docs/docsite/rst/in_process.rst"):
        text = read(path)
        for switch in ("%s=false" % _in_process.ENVIRONMENT_VARIABLE, "%s: false" % _in_process.VARIABLE):
            assert switch in text or switch.replace(": ", "=") in text, (path, switch)


def test_the_docs_say_what_the_info_module_returns_of_a_secret():
    """genauth_webhook_info returns each webhook's secret masked and has_secret beside it (its unit test checks the
    output): the docs that say what a listed webhook holds say both."""
    assert {"secret", "has_secret"} <= set(yaml.safe_load(genauth_webhook_info.RETURN)["webhooks"]["contains"])
    sentences = [
        ("README.md", "each with its secret masked (`********`) and `has_secret`"),
        ("docs/docsite/rst/webhooks_as_code.rst",
         "Each webhook has its ``secret`` masked (``********``, or empty when it has none) and ``has_secret``"),
    ]
    for path, sentence in sentences:
        assert " ".join(sentence.split()) in " ".join(read(path).split()), "%s no longer says %r" % (path, sentence)
    for path in ("README.md", "docs/docsite/rst/webhooks_as_code.rst", "plugins/modules/genauth_webhook_info.py"):
        assert "instead of its secret" not in read(path), path

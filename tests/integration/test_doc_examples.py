"""Every playbook example of the READMEs and the docs site's guides runs as the docs print it, against the emulator,
with --check and then without, in the order a reader meets them; and so does the contributor guide's command that
runs docs/examples/deploy.yml under the emulator harness.

An example is a YAML code block (```yaml in Markdown, ``.. code-block:: yaml`` or ``yaml+jinja`` in reStructuredText)
that holds a list of plays or of tasks. What the test supplies, and nothing else, is what the docs leave to the
reader:
- the connection, as the quickstart says to export it (the ``GENAUTH_*`` variables of the harness);
- the webhooks the examples name (``6229ffaxxxxxxxxcade3e3d9``, ``62a0b1cxxxxxxxx0f1e2d3c4``), created with those IDs
  in the emulator's user pool, and the receiver's default answer, which has no ``ticket``;
- the variables an example uses but does not set (READER_VARS: the vault's key pair and webhook secrets,
  webhook IDs, a version);
- an inventory with the groups the examples deploy to (``web``, ``app_servers``), one local host each;
- the files an example names but does not show (the release archive, the role README's ``deploy.yml``), beside it;
  a file the docs show (a YAML code block whose ``:caption:`` is its path, such as ``environments/staging.yml``) is
  written there as shown, before the examples run;
- the places an example names on the reader's system: ``/srv/billing`` becomes a folder of the test, new for each
  example (each deploys to a fresh system), and a private deployment's address and CA become the TLS emulator's.

A list of tasks runs as the tasks of one play on ``localhost`` (``gather_facts: false``). Examples that drive
another system (``awx.awx`` modules, which need an AWX server) and YAML that is not a playbook (a CI job, an
execution environment) are not run, nor are rulebooks: the events guide's is the one the collection ships, which
tests/integration/test_event_source.py runs under ansible-rulebook. Every run is checked for secrets like the other
integration tests; a run with --check must deliver nothing, and every deployment payload the role sends must say
what was deployed.
"""

import io
import os
import re
import shlex
import subprocess
import sys
import tarfile
import textwrap

import pytest
import yaml

from tests.integration.conftest import BIN, REPO_ROOT

DOCS = sorted(["README.md", "CONTRIBUTING.md", "roles/deploy_webhooks/README.md"] + [
    os.path.join("docs", "docsite", "rst", name)
    for name in os.listdir(os.path.join(REPO_ROOT, "docs", "docsite", "rst")) if name.endswith(".rst")])

DOC_WEBHOOK_IDS = ["6229ffaxxxxxxxxcade3e3d9", "62a0b1cxxxxxxxx0f1e2d3c4"]
APP_VERSION = "1.4.2"
PRIVATE_HOST = "https://genauth.example.internal"
PRIVATE_CA = "/etc/pki/internal-ca.pem"
INVENTORY = "[web]\nweb1 ansible_connection=local\n\n[app_servers]\napp1 ansible_connection=local\n"
NOT_RUN_MODULES = ("awx.awx.",)


def reader_vars(servers):
    """The variables the examples leave to the reader."""
    return {"vault_genauth_key_id": servers.access_key_id, "vault_genauth_key_secret": servers.access_key_secret,
            "deploy_webhook_id": DOC_WEBHOOK_IDS[0], "change_board_webhook_id": DOC_WEBHOOK_IDS[0],
            "audit_webhook_id": DOC_WEBHOOK_IDS[1], "release_webhook_ids": list(DOC_WEBHOOK_IDS),
            "app_version": APP_VERSION, "release": APP_VERSION,
            "vault_deploy_hook_secret": servers.declared_secrets["first"],
            "vault_events_secret": servers.declared_secrets["first"],
            "vault_deploy_hook_new_secret": servers.declared_secrets["second"]}


class Example(object):
    def __init__(self, path, line, text, caption=None):
        self.path, self.line, self.text, self.caption = path, line, textwrap.dedent(text), caption
        self.data = yaml.safe_load(self.text)

    def __str__(self):
        return "%s:%d" % (self.path, self.line)

    @property
    def is_playbook(self):
        """A list of plays or of tasks (a dict is a CI job or an execution environment, not a playbook)."""
        return (isinstance(self.data, list) and bool(self.data) and all(isinstance(item, dict) for item in self.data)
                and not self.is_rulebook)

    @property
    def is_rulebook(self):
        """A list of rulesets (plays with sources and rules), which ansible-rulebook runs."""
        return isinstance(self.data, list) and any(isinstance(item, dict) and "sources" in item for item in self.data)

    @property
    def is_plays(self):
        plays = [("hosts" in item or "import_playbook" in item) for item in self.data]
        assert all(plays) or not any(plays), "%s mixes plays and tasks" % self
        return all(plays)

    def playbook_text(self, places):
        text = self.text
        for written, here in places.items():
            text = text.replace(written, here)
        if self.is_plays:
            return text
        return "- name: Tasks of %s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n%s" % (
            self, textwrap.indent(text, "    "))


def examples_in(path):
    with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as handle:
        source = handle.read()
    if path.endswith(".md"):
        blocks = re.finditer(r"^```ya?ml\n(?P<text>.*?)^```", source, re.M | re.S)
    else:
        blocks = re.finditer(r"^\.\. code-block:: (?:yaml|yaml\+jinja)\n(?:[ \t]+:caption: (?P<caption>\S+)\n)?\n"
                             r"(?P<text>(?:[ \t]+.*\n|\n)+)", source, re.M)
    return [Example(path, source.count("\n", 0, match.start()) + 1, match.group("text").rstrip() + "\n",
                    match.groupdict().get("caption")) for match in blocks]


def runnable(examples):
    return [example for example in examples
            if example.is_playbook and not any(module in example.text for module in NOT_RUN_MODULES)]


def test_the_docs_hold_the_examples_this_test_runs():
    """The extraction finds examples where the docs have them (a changed fence would silently test nothing)."""
    counts = dict((path, len(runnable(examples_in(path)))) for path in DOCS)
    expected = ("README.md", "roles/deploy_webhooks/README.md", "docs/docsite/rst/quickstart.rst",
                "docs/docsite/rst/chaining.rst", "docs/docsite/rst/after_deploy.rst",
                "docs/docsite/rst/webhooks_as_code.rst", "docs/docsite/rst/login_once.rst",
                "docs/docsite/rst/several_webhooks.rst", "docs/docsite/rst/events.rst")
    assert all(counts[path] >= 1 for path in expected), counts
    assert sum(counts.values()) >= 24, counts


def test_the_guide_s_rulebook_is_the_one_the_collection_ships():
    """The events guide prints the example rulebook that make demo-events runs (test_event_source.py runs the
    demo): the same rulesets, whatever the comments."""
    rulebooks = [example for example in examples_in("docs/docsite/rst/events.rst") if example.is_rulebook]
    assert len(rulebooks) == 1, rulebooks
    with open(os.path.join(REPO_ROOT, "extensions", "eda", "rulebooks", "genauth_events_example.yml"),
              encoding="utf-8") as handle:
        assert rulebooks[0].data == yaml.safe_load(handle)


def add_doc_webhooks(servers):
    servers.emulator.add_webhooks([
        {"userpoolId": servers.userpool_id, "webhookId": webhook_id, "name": "docs example %d" % number,
         "url": servers.receiver_url + "/hooks/docs", "events": ["test"]}
        for number, webhook_id in enumerate(DOC_WEBHOOK_IDS)])


def write_reader_files(folder, examples):
    """The files the examples name but do not show, and those the docs show with their path as caption, beside
    them."""
    for example in examples:
        if example.caption:
            (folder / example.caption).parent.mkdir(parents=True, exist_ok=True)
            (folder / example.caption).write_text(example.text, encoding="utf-8")
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        content = b"billing %s\n" % APP_VERSION.encode()
        info = tarfile.TarInfo("RELEASE")
        info.size, info.mode = len(content), 0o644
        tar.addfile(info, io.BytesIO(content))
    for name in ("billing-%s.tar.gz" % APP_VERSION, "billing.tar.gz"):
        (folder / name).write_bytes(archive.getvalue())
    (folder / "deploy.yml").write_text("---\n- name: Deploy the release (stands in for the reader's own deployment "
                                       "tasks)\n  ansible.builtin.debug:\n    msg: deployed\n", encoding="utf-8")
    (folder / "inventory.ini").write_text(INVENTORY, encoding="utf-8")


def assert_deployment_payloads_say_what_was_deployed(example, deliveries):
    for delivery in deliveries:
        body = delivery.get("json")
        if isinstance(body, dict) and "triggered_by" in body:  # the deploy_webhooks role's payload
            empty = [key for key in ("application", "version", "environment") if not body.get(key)]
            assert not empty, "%s sends a deployment payload with empty %s" % (example, ", ".join(empty))


@pytest.mark.parametrize("path", [path for path in DOCS if runnable(examples_in(path))])
def test_every_example_runs_as_written_with_and_without_check_mode(path, request, tmp_path):
    examples = runnable(examples_in(path))
    folder = tmp_path / "examples"
    folder.mkdir()
    write_reader_files(folder, examples_in(path))
    runners = {}

    for number, example in enumerate(examples):
        # The HTTP emulator, or for a private deployment's example the TLS one (its address and CA).
        private = PRIVATE_HOST in example.text
        if private not in runners:
            runners[private] = request.getfixturevalue("tls_ansible" if private else "ansible")
            add_doc_webhooks(runners[private].servers)
        ansible = runners[private]
        srv = tmp_path / ("srv-%02d" % number) / "billing"  # each example deploys to a system of its own
        srv.mkdir(parents=True)
        places = {"/srv/billing": str(srv)}
        if private:
            places.update({PRIVATE_HOST: ansible.servers.emulator_url, PRIVATE_CA: ansible.servers.ca_path})
        playbook = folder / ("example-%02d.yml" % number)
        playbook.write_text(example.playbook_text(places), encoding="utf-8")
        for check in (True, False):
            ansible.servers.receiver.reset()
            run = ansible.playbook(str(playbook), extra_vars=reader_vars(ansible.servers), check=check,
                                   inventory=str(folder / "inventory.ini"))
            mode = "with --check" if check else "without --check"
            assert run.rc == 0, "%s fails %s:\n%s" % (example, mode, run.output[-6000:])
            deliveries = ansible.servers.receiver.deliveries()
            if check:
                assert deliveries == [], "%s delivers webhooks with --check" % example
                continue
            if "genauth.management.deploy_webhooks" in example.text:
                assert deliveries, "%s uses the role on a fresh system and delivers nothing" % example
            assert_deployment_payloads_say_what_was_deployed(example, deliveries)


def emulator_command():
    """The command of CONTRIBUTING.md's "The local GenAuth emulator" section, after its `make demo` line."""
    with open(os.path.join(REPO_ROOT, "CONTRIBUTING.md"), encoding="utf-8") as handle:
        section = handle.read().split("## The local GenAuth emulator", 1)[1]
    block = re.search(r"^```bash\n(.*?)^```", section, re.M | re.S).group(1)
    lines = [line for line in block.replace("\\\n", " ").splitlines() if not line.startswith("make demo")]
    command, = [line for line in lines if line.strip()]
    return shlex.split(command)


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_the_contributor_guide_s_emulator_command_runs_the_example_playbook(check, collections_path, ansible, tmp_path):
    """As written, but with the collection this test installed (``make demo`` installs it into
    .build/demo/collections), the tests' own venv (which is .venv under ``make test``), and the release written
    into a folder of the test instead of /tmp."""
    words = emulator_command()
    assert words[0] == "ANSIBLE_COLLECTIONS_PATH=.build/demo/collections", words
    venv = {".venv/bin/python": sys.executable, ".venv/bin/ansible-playbook": os.path.join(BIN, "ansible-playbook")}
    command = [venv.get(word, word) for word in words[1:]]
    assert command[1:3] == ["tests/emulator/harness.py", "run"] and command[-1] == "docs/examples/deploy.yml", words
    command += ["-e", "release_root=%s" % (tmp_path / "release")] + (["--check"] if check else [])
    # The harness gives the webhook IDs, for its own servers.
    env = ansible.env({"ANSIBLE_COLLECTIONS_PATH": collections_path, "GENAUTH_WEBHOOK_ID": None,
                       "GENAUTH_AUDIT_WEBHOOK_ID": None})
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert "Traceback" not in proc.stdout
    ticket = tmp_path / "release" / APP_VERSION / "CHANGE_TICKET"
    if check:
        assert not ticket.exists()
    else:
        assert ticket.read_text(encoding="utf-8").startswith("none: the subscriber answered ")

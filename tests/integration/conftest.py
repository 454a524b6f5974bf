"""Integration fixtures: the collection built and installed as users get it, the emulator and receiver on
loopback, and a runner for ansible-playbook that returns what the playbook saved."""

import json
import os
import subprocess
import sys
import uuid

import pytest

from tests.emulator.harness import install_collection

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """The collection built and installed as ``ansible-galaxy`` users get it."""
    return install_collection(tmp_path_factory.mktemp("collection"))


class Run(object):
    """One ansible-playbook run: exit code, output, and the JSON the playbook saved (if any)."""

    def __init__(self, proc, result_file):
        self.rc = proc.returncode
        self.output = proc.stdout
        self.result = None
        if os.path.exists(result_file):
            with open(result_file) as handle:
                self.result = json.load(handle)

    def warnings(self):
        """The [WARNING] messages, each on one line.

        ansible-core before 2.19 wraps a warning at the terminal width; its continuation lines start at the
        left margin, unlike the indented JSON that verbose output prints, and unlike task and status lines.
        """
        found, continuing = [], False
        for line in self.output.splitlines():
            if "[WARNING]:" in line:
                found.append(line.split("[WARNING]:", 1)[1].strip())
                continuing = True
            elif continuing and line[:1].strip() and not line.startswith(_NOT_CONTINUATIONS):
                found[-1] += " " + line.strip()
            else:
                continuing = False
        return found


_NOT_CONTINUATIONS = ("[", "TASK", "PLAY", "ok:", "changed:", "fatal:", "failed:", "skipping:", "...", "<", "{", "}")


class Ansible(object):
    def __init__(self, collections, servers, tmp_path):
        self.collections = collections
        self.servers = servers
        self.tmp_path = tmp_path

    def env(self, overrides=None):
        env = dict(os.environ)
        env.update(self.servers.env())
        env.update(
            ANSIBLE_COLLECTIONS_PATH=self.collections,
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_HOME=str(self.tmp_path / "ansible-home"),
            ANSIBLE_LOCAL_TEMP=str(self.tmp_path / "ansible-tmp"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_HOST_KEY_CHECKING="0",
            ANSIBLE_INVENTORY=os.path.join(HERE, "inventory.ini"),
        )
        for key, value in (overrides or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def playbook(self, name, extra_vars=None, check=False, verbosity=0, env=None, timeout=180):
        result_file = str(self.tmp_path / ("result-%s.json" % uuid.uuid4().hex))
        variables = {"result_file": result_file}
        variables.update(extra_vars or {})
        cmd = [os.path.join(BIN, "ansible-playbook"), os.path.join(HERE, "playbooks", name),
               "-e", json.dumps(variables)]
        if check:
            cmd.append("--check")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        proc = subprocess.run(cmd, env=self.env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=timeout, cwd=str(self.tmp_path), check=False)
        return Run(proc, result_file)

    def trigger(self, webhook="deploy", **kwargs):
        """Run the one-task trigger playbook; ``webhook`` is a seeded name or a literal id."""
        extra = dict(kwargs.pop("extra_vars", {}))
        if "webhooks" not in extra:
            extra.setdefault("webhook_id", self.servers.webhooks.get(webhook, webhook))
        return self.playbook("trigger.yml", extra_vars=extra, **kwargs)


@pytest.fixture
def ansible(collections_path, fresh, tmp_path):
    return Ansible(collections_path, fresh, tmp_path)


@pytest.fixture
def tls_ansible(collections_path, fresh_tls, tmp_path):
    return Ansible(collections_path, fresh_tls, tmp_path)

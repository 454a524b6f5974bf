"""Integration fixtures: the collection built and installed as users get it, the emulator and receiver on
loopback, and a runner for ansible-playbook that returns what the playbook saved.

Every run is verbose (-vvvv unless a test asks otherwise) and scanned for secrets afterwards
(``harness.SecretScan``): the access key secrets, every token the emulator issued and the webhook secrets must
not appear in the output, in the registered result, or anywhere in what the module sent, except the one place
each belongs (the secret in the token request's body, a token in the Authorization header).

When the session measures coverage (``make test``: pytest --cov), each module run records its own through
AnsiballZ's coverage hook, into files that pytest-cov combines with the session's.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest

from tests import guarantees
from tests.emulator.forwarding_proxy import ForwardingProxy
from tests.emulator.harness import SecretScan, install_collection

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """The collection built and installed as ``ansible-galaxy`` users get it."""
    return install_collection(tmp_path_factory.mktemp("collection"))


# -vvvv prints the module's arguments, results and every HTTP-related warning: the most a user can see.
DEFAULT_VERBOSITY = int(os.environ.get("GENAUTH_TEST_VERBOSITY", "4"))


class Run(object):
    """One ansible-playbook run: exit code, output, and the JSON the playbook saved (if any)."""

    def __init__(self, proc, result_file):
        self.rc = proc.returncode
        self.output = proc.stdout
        self.result = None
        self.result_text = ""
        if os.path.exists(result_file):
            with open(result_file) as handle:
                self.result_text = handle.read()
            self.result = json.loads(self.result_text)

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


@pytest.fixture(scope="session")
def module_coverage():
    """Environment that makes each module run record its coverage, when this session measures coverage."""
    try:
        import coverage
    except ImportError:  # make matrix runs these tests without coverage installed
        return {}
    session = coverage.Coverage.current()
    if session is None:
        return {}
    # pytest-cov combines the files beside its own data file that start with its name and a dot. A module run in
    # the controller's process is measured in ansible-playbook's worker: coverage starts in every Python process
    # that has COVERAGE_PROCESS_START (coverage's .pth file) and follows its forked workers (concurrency).
    data_file = os.path.abspath(session.config.data_file)
    return {"_ANSIBLE_ANSIBALLZ_COVERAGE_CONFIG": json.dumps({"config": session.config.config_file,
                                                              "output": data_file + ".ansiballz"}),
            "COVERAGE_PROCESS_START": session.config.config_file, "COVERAGE_FILE": data_file + ".playbook"}


class Ansible(object):
    def __init__(self, collections, servers, tmp_path, extra_env=None):
        self.collections = collections
        self.servers = servers
        self.tmp_path = tmp_path
        self.extra_env = extra_env or {}
        # label -> value of secrets beside the servers' that the scan looks for (a proxy's credentials).
        self.extra_secrets = {}

    def env(self, overrides=None):
        env = dict(os.environ)
        env.update(self.servers.env())
        env.update(self.extra_env)
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

    def playbook(self, name, extra_vars=None, check=False, verbosity=DEFAULT_VERBOSITY, env=None, timeout=180,
                 inventory=None, forks=None, scan=True, ansible_playbook=None):
        cmd, result_file = self.command(name, extra_vars, check, verbosity, inventory, forks)
        if ansible_playbook:  # another ansible-core's
            cmd[0] = ansible_playbook
        proc = subprocess.run(cmd, env=self.env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=timeout, cwd=str(self.tmp_path), check=False)
        run = Run(proc, result_file)
        if scan:
            self.scan([run], verbosity)
        return run

    def command(self, name, extra_vars=None, check=False, verbosity=DEFAULT_VERBOSITY, inventory=None, forks=None):
        """The ansible-playbook command line for a playbook of playbooks/, and the file its result goes to."""
        result_file = str(self.tmp_path / ("result-%s.json" % uuid.uuid4().hex))
        variables = {"result_file": result_file}
        variables.update(extra_vars or {})
        # From a file, as secrets should be given: at -vvvv ansible-playbook prints its command-line extra vars.
        vars_file = str(self.tmp_path / ("vars-%s.json" % uuid.uuid4().hex))
        with open(os.open(vars_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            json.dump(variables, handle)
        cmd = [os.path.join(BIN, "ansible-playbook"), os.path.join(HERE, "playbooks", name), "-e", "@" + vars_file]
        if check:
            cmd.append("--check")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        if inventory:
            cmd += ["-i", inventory]
        if forks:
            cmd += ["--forks", str(forks)]
        return cmd, result_file

    def scan(self, runs, verbosity):
        """Fail unless the runs and everything the emulator received keep every secret hidden."""
        assert_no_secret_leaked(self.servers, runs, self.extra_secrets)
        for dummy in runs:
            guarantees.record_scan(verbosity)

    def trigger(self, webhook="deploy", **kwargs):
        """Run the one-task trigger playbook; ``webhook`` is a seeded name or a literal id."""
        extra = dict(kwargs.pop("extra_vars", {}))
        if "webhooks" not in extra:
            extra.setdefault("webhook_id", self.servers.webhooks.get(webhook, webhook))
        return self.playbook("trigger.yml", extra_vars=extra, **kwargs)


def assert_no_secret_leaked(servers, runs, extra=None):
    """No secret in any run's output or registered result, nor out of place in what the module sent; ``extra`` adds
    secrets of the test's own (label -> value)."""
    texts = {}
    for number, run in enumerate(runs):
        texts["output of run %d" % number] = run.output
        texts["registered result of run %d" % number] = run.result_text
    leaks = SecretScan(servers, extra).leaks(texts)
    assert not leaks, "secrets leaked: %s" % "; ".join(leaks)


@pytest.fixture
def secret_scan():
    """``assert_no_secret_leaked(servers, runs)``, for tests of the scan itself."""
    return assert_no_secret_leaked


@pytest.fixture
def ansible(collections_path, fresh, tmp_path, module_coverage):
    return Ansible(collections_path, fresh, tmp_path, module_coverage)


@pytest.fixture
def tls_ansible(collections_path, fresh_tls, tmp_path, module_coverage):
    return Ansible(collections_path, fresh_tls, tmp_path, module_coverage)


@pytest.fixture(scope="module")
def forwarding_proxy(tmp_path_factory):
    """A real forwarding proxy (proxy.py) on loopback that wants credentials: one process for a test module."""
    with ForwardingProxy(tmp_path_factory.mktemp("proxy")) as running:
        yield running


@pytest.fixture
def proxy(forwarding_proxy):
    """The module's proxy, its log read from this test on."""
    forwarding_proxy.mark()
    return forwarding_proxy

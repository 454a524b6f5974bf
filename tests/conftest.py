"""Make the collection importable as ``ansible_collections.genauth.management`` for plain pytest runs.

ansible-test runs tests from a real ``ansible_collections/genauth/management`` tree; a checkout is not
one, so a symlinked tree is made under ``.build/collections`` (git-ignored) and put on ``sys.path``.
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_ROOT = os.path.join(REPO_ROOT, ".build", "collections")


def _ensure_collection_tree():
    marker = os.path.join("ansible_collections", "genauth", "management")
    if marker in REPO_ROOT:
        return  # already inside an ansible_collections tree (ansible-test)
    link = os.path.join(COLLECTIONS_ROOT, marker)
    if not os.path.islink(link) or os.path.realpath(link) != REPO_ROOT:
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(REPO_ROOT, link)
    if COLLECTIONS_ROOT not in sys.path:
        sys.path.insert(0, COLLECTIONS_ROOT)


_ensure_collection_tree()
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


# The emulator and the webhook receiver, started once per test session and shared by every test folder.
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    """Emulator (HTTP) and receiver on loopback; tests use ``fresh`` to start from the seed state."""
    from tests.emulator.harness import Servers
    with Servers(tmp_path_factory.mktemp("servers")) as running:
        yield running


@pytest.fixture(scope="session")
def tls_servers(tmp_path_factory):
    """Emulator serving HTTPS with a test CA (``ca_path``), plus an unrelated ``other_ca_path``."""
    from tests.emulator.harness import Servers
    with Servers(tmp_path_factory.mktemp("tls-servers"), tls=True) as running:
        yield running


def reset_servers(running):
    """Seed state, no faults, empty logs and default receiver answers."""
    running.emulator.reset()
    running.receiver.reset()
    return running


@pytest.fixture
def fresh(servers):
    return reset_servers(servers)


@pytest.fixture
def fresh_tls(tls_servers):
    return reset_servers(tls_servers)


def pytest_addoption(parser):
    parser.addoption("--write-guarantees", action="store_true",
                     help="when every test that measures a figure of the guarantees page ran and passed, rewrite "
                          "those figures (make guarantees)")


def pytest_configure(config):
    from tests.test_clean_checkout import checkout_state
    config.checkout_before = checkout_state()


def pytest_collection_modifyitems(config, items):
    """The check that the run changed no file of the checkout runs after every other test."""
    items.sort(key=lambda item: item.get_closest_marker("after_everything") is not None)


def pytest_sessionfinish(session, exitstatus):
    """With --write-guarantees, after a passing run of every measuring test, rewrite docs/docsite/rst/guarantees.rst."""
    if not session.config.getoption("--write-guarantees"):
        return
    from tests import guarantees
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if guarantees.write_if_complete(int(exitstatus)):
        reporter.write_line("Figures regenerated in %s" % os.path.relpath(guarantees.DOC_PATH, REPO_ROOT))
    else:
        reporter.write_line("Figures NOT regenerated: %s" % guarantees.why_incomplete(int(exitstatus)))
        session.exitstatus = exitstatus or 1

"""The Ansible ecosystem's own tools on the collection, run as tests so that `make test` ends in one summary.

The tools live in the tools venv (.build/tools) that `make tools` (and so `make test`) creates from
tests/tools-requirements.in; each test runs them the way the Makefile target of the same name does.
"""

import glob
import os
import re
import subprocess
import sys
import tarfile

import pytest

from tests import guarantees
from tests.emulator.harness import install_collection

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS_BIN = os.path.join(REPO_ROOT, ".build", "tools", "bin")
TOOLING = os.path.join(REPO_ROOT, "tests", "tooling")
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
FQCN = "genauth.management"

# Nothing of these may ship in the collection tarball: venvs, caches, build and test output, VCS data.
FORBIDDEN_IN_TARBALL = (".venv", ".build", "__pycache__", ".pytest_cache", ".hypothesis", "tests/output",
                        "docs/_build", ".git", ".ansible", "tests/integration/integration_config.yml")


def tools_python():
    python = os.path.join(TOOLS_BIN, "python")
    if not os.path.exists(python):
        pytest.fail("The tools venv is missing: run `make tools` (make test does it first).")
    return python


def tools_env():
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([TOOLS_BIN, env.get("PATH", os.defpath)])
    env["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS
    return env


def run(cmd, timeout=600, **kwargs):
    """Run a tool; fail with the end of its output unless it exits 0."""
    kwargs.setdefault("cwd", REPO_ROOT)
    kwargs.setdefault("env", tools_env())
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=timeout, check=False, **kwargs)
    assert proc.returncode == 0, "%s exited %d:\n%s" % (" ".join(cmd), proc.returncode, proc.stdout[-6000:])
    return proc.stdout


def tools_python_version():
    return run([tools_python(), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).strip()


def ecosystem(*args, **kwargs):
    return run([tools_python(), os.path.join(TOOLING, "ecosystem.py")] + list(args), **kwargs)


def ansible_test(*args, **kwargs):
    return run([tools_python(), os.path.join(TOOLING, "run_ansible_test.py")] + list(args), **kwargs)


@pytest.fixture(scope="module", autouse=True)
def collection_link():
    ecosystem("link", COLLECTIONS)


# ansible-test ---------------------------------------------------------------------------------------------------

def test_no_sanity_ignores():
    """Sanity passes on its own merits: no ignore file lists anything."""
    for path in glob.glob(os.path.join(REPO_ROOT, "tests", "sanity", "ignore-*.txt")):
        with open(path, encoding="utf-8") as handle:
            entries = [line for line in handle if line.strip() and not line.startswith("#")]
        assert not entries, "%s lists %s" % (path, entries)


def test_ansible_test_sanity():
    # Every sanity test, on every installed Python 3 that ansible-core supports (on a fresh machine ansible-test
    # creates a venv per test and Python, so this takes a few minutes the first time).
    output = ansible_test("--all-pythons", "--", "sanity", "--venv", "--color", "no", timeout=1800)
    assert 'Running sanity test "validate-modules"' in output
    assert 'Running sanity test "shellcheck"' in output  # the runme.sh of the integration targets
    assert 'Required program "shellcheck" not found' not in output
    assert 'Running sanity test "compile" on Python %s' % tools_python_version() in output


def test_ansible_test_units():
    output = ansible_test("--", "units", "--venv", "--python", tools_python_version(), "--color", "no", timeout=900)
    assert re.search(r"\d+ passed", output), output[-2000:]


def test_ansible_test_integration():
    # The documented playbook contract: every target, at -vvvv, with ansible-test's output scanned for secrets.
    output = ansible_test("--emulator", "--", "integration", "--venv", "--python", tools_python_version(),
                          "--color", "no", "-vvvv", timeout=900)
    for target in ("genauth_webhook_trigger", "deploy_webhooks", "genauth_webhook", "genauth_webhook_info"):
        assert "Running %s integration test script" % target in output, output[-3000:]
    scanned = re.search(r"harness: secret scan: (\d+) ansible-playbook runs; no secret in the ", output)
    assert scanned and int(scanned.group(1)) > 0, output[-3000:]
    guarantees.record_target_scan(int(scanned.group(1)))


# Linters --------------------------------------------------------------------------------------------------------

def test_ansible_lint_production_profile():
    output = run([os.path.join(TOOLS_BIN, "ansible-lint"), "--offline", "--nocolor"])
    assert "Profile 'production' was required, and it passed" in output


def test_antsibull_docs_lint():
    run([os.path.join(TOOLS_BIN, "antsibull-docs"), "lint-collection-docs", "--plugin-docs", "."])


def test_antsibull_changelog_lint():
    run([os.path.join(TOOLS_BIN, "antsibull-changelog"), "lint"])


def test_changelog_renders_the_unreleased_version(tmp_path):
    ecosystem("changelog", str(tmp_path))
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = re.search(r"^version:\s*(\S+)", handle.read(), re.M).group(1)
    for name in ("CHANGELOG.rst", "CHANGELOG.md"):
        text = (tmp_path / name).read_text(encoding="utf-8").replace("\\", "")  # Markdown escapes punctuation
        assert "v%s" % version in text and "Release Summary" in text, text
        assert "genauth_webhook_trigger" in text, text
    # The repository itself keeps its fragments until a release.
    assert glob.glob(os.path.join(REPO_ROOT, "changelogs", "fragments", "*.yml"))


# Docs -----------------------------------------------------------------------------------------------------------

def test_troubleshooting_guide_in_the_docsite_matches_the_markdown():
    ecosystem("troubleshooting", "--check")


def test_docs_site_builds_with_module_role_and_guide_pages(tmp_path):
    html = tmp_path / "html"
    ecosystem("docs", str(tmp_path), timeout=900)
    pages = html / "collections" / "genauth" / "management"
    for module in ("genauth_webhook_trigger", "genauth_webhook", "genauth_webhook_info"):
        assert (pages / ("%s_module.html" % module)).is_file(), module
    assert (pages / "genauth_webhook_callback.html").is_file()
    for guide in ("quickstart", "chaining", "after_deploy", "troubleshooting", "webhooks_as_code", "notify_awx_ci"):
        assert (pages / "docsite" / ("%s.html" % guide)).is_file(), guide
    for spec in glob.glob(os.path.join(REPO_ROOT, "roles", "*", "meta", "argument_specs.yml")):
        role = os.path.basename(os.path.dirname(os.path.dirname(spec)))
        assert (pages / ("%s_role.html" % role)).is_file(), role


# Packaging ------------------------------------------------------------------------------------------------------

@pytest.fixture
def junk_in_checkout():
    """Make sure each kind of local clutter exists while the tarball is built (removing only what it made)."""
    made = []
    for rel in (".hypothesis/x", "tests/output/x", "docs/_build/x", ".ansible/x", ".pytest_cache/x",
                "plugins/modules/__pycache__/x.pyc", ".build/x", "tests/integration/integration_config.yml"):
        path = os.path.join(REPO_ROOT, rel)
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").close()
            made.append(path)
    yield
    for path in made:
        os.unlink(path)
        parent = os.path.dirname(path)
        while parent != REPO_ROOT and not os.listdir(parent):
            os.rmdir(parent)
            parent = os.path.dirname(parent)


def test_galaxy_build_ships_no_clutter_and_installs_for_ansible_doc(tmp_path, junk_in_checkout):
    collections = install_collection(tmp_path)
    tarball, = glob.glob(str(tmp_path / "genauth-management-*.tar.gz"))
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert "plugins/modules/genauth_webhook_trigger.py" in names
    assert "meta/execution-environment.yml" in names and "meta/ee-requirements.txt" in names
    for name in names:
        for forbidden in FORBIDDEN_IN_TARBALL:
            assert not (name == forbidden or name.startswith(forbidden + "/") or "/%s/" % forbidden in "/" + name), name
        assert not name.endswith(".pyc"), name

    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1")
    doc = run([os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "%s.genauth_webhook_trigger" % FQCN],
              env=env, cwd=str(tmp_path))
    assert "%s.genauth_webhook_trigger" % FQCN in doc and "webhook_id" in doc and "request_body" in doc


def test_execution_environment_build_context(tmp_path):
    context = tmp_path / "context"
    ecosystem("ee", str(context))
    assert (context / "Containerfile").is_file()
    assert FQCN in (context / "_build" / "requirements.yml").read_text(encoding="utf-8")
    user_pip = context / "_build" / "requirements.txt"
    assert "voluptuous" in user_pip.read_text(encoding="utf-8")
    # What the image build's introspection step adds for the installed collection, with the user's packages.
    deps = run([os.path.join(TOOLS_BIN, "ansible-builder"), "introspect", "--user-pip", str(user_pip), COLLECTIONS])
    assert re.search(r"requests.*from collection genauth.management", deps), deps
    assert re.search(r"voluptuous.*from collection user", deps), deps
    run([tools_python(), "-c", "import sys, yaml; from ansible_builder.ee_schema import validate_schema; "
                               "[validate_schema(yaml.safe_load(open(f))) for f in sys.argv[1:]]",
         "meta/execution-environment.yml", "docs/examples/execution-environment.yml"])

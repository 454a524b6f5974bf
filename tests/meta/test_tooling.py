"""The Ansible ecosystem's own tools on the collection, run as tests so that `make test` ends in one summary.

The tools live in the tools venv (.build/tools) that `make tools` (and so `make test`) creates from
tests/tools-requirements.in; antsibull-nox's sessions (noxfile.py, antsibull-nox.toml) run with its nox and install
their tools into venvs of their own under .build/nox. Each test runs them the way the Makefile target of the same
name does.
"""

import glob
import json
import os
import re
import shutil
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
NOX_ENVDIR = os.path.join(REPO_ROOT, ".build", "nox")  # noxfile.py
IMPORTER_REPORT = os.path.join(REPO_ROOT, ".build", "galaxy-importer")
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


def nox_session(name, timeout=900):
    """Run an antsibull-nox session as its make target does: (exit code, output). Each session makes its own
    collection tree, so the symlinked one of tools_env() is not passed on."""
    env = dict(tools_env(), NO_COLOR="1")  # ansible-lint's colours otherwise
    del env["ANSIBLE_COLLECTIONS_PATH"]
    proc = subprocess.run([os.path.join(TOOLS_BIN, "nox"), "--non-interactive", "--no-color", "-s", name],
                          cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout


def passing_nox_session(name, **kwargs):
    returncode, output = nox_session(name, **kwargs)
    assert returncode == 0, "nox -s %s exited %d:\n%s" % (name, returncode, output[-6000:])
    assert "Session %s was successful" % name in output, output[-3000:]
    return output


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
    output = passing_nox_session("ansible-lint")
    assert "ansible-lint --offline" in output
    assert "Profile 'production' was required, and it passed" in output


def test_antsibull_docs_lint():
    output = passing_nox_session("docs-check")
    assert "antsibull-docs lint-collection-docs --plugin-docs" in output, output[-3000:]  # run, not skipped


def test_antsibull_nox_extra_checks():
    output = passing_nox_session("extra-checks")
    assert "no-unwanted-files" in output, output[-3000:]


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


# Lines of galaxy-importer's report that say something about the machine it runs on rather than the collection.
# None is filtered today: every ERROR and WARNING line fails the test. An entry added here says why it is not ours.
IMPORTER_ENVIRONMENT_WARNINGS = ()


def importer_report(output):
    """The lines galaxy-importer logged, from the nox session's output: antsibull-nox prints them (indented on
    GitHub Actions) after a successful import; nox prints them after a failed one, the first behind "nox > "."""
    lines = [re.sub(r"^nox > (?=Importing with galaxy-importer )", "", line.strip()) for line in output.splitlines()]
    starts = [n for n, line in enumerate(lines) if line.startswith("Importing with galaxy-importer ")]
    if not starts:
        return []
    report = []
    for line in lines[starts[-1]:]:
        if line.startswith("nox > ") or line.startswith("::endgroup::"):
            break
        report.append(line)
    return report


def test_galaxy_importer_imports_the_built_tarball_without_errors_or_warnings():
    # antsibull-nox's build-import-check builds the tarball with `ansible-galaxy collection build` and imports it
    # with galaxy-importer (tests/galaxy-importer.cfg): manifest and checksums, galaxy.yml's metadata and tags,
    # ansible-doc on every plugin, the README and docs/ rendered, the changelog, ansible-lint as Galaxy runs it,
    # meta/execution-environment.yml's files. The session fails only when the import fails; Galaxy shows the
    # errors and warnings of an import that succeeds on the collection's page, so they fail here.
    log = os.path.join(IMPORTER_REPORT, "build-import-check.log")
    result = os.path.join(NOX_ENVDIR, "build-import-check", "tmp", "collection", "importer_result.json")
    kept_result = os.path.join(IMPORTER_REPORT, os.path.basename(result))
    os.makedirs(IMPORTER_REPORT, exist_ok=True)
    for old in (log, kept_result):
        if os.path.exists(old):
            os.unlink(old)
    returncode, output = nox_session("build-import-check")
    with open(log, "w", encoding="utf-8") as handle:
        handle.write(output)
    if os.path.exists(result):
        shutil.copyfile(result, kept_result)
    report = importer_report(output)
    where = "(the whole session: %s)" % os.path.relpath(log, REPO_ROOT)
    assert returncode == 0 and report, "nox -s build-import-check exited %d %s:\n%s" % (
        returncode, where, "\n".join(report) if report else output[-6000:])
    problems = [line for line in report if line.startswith(("ERROR:", "WARNING:"))
                and not line.startswith(IMPORTER_ENVIRONMENT_WARNINGS)]
    assert not problems, "galaxy-importer reported %d problems %s:\n%s\n\nIts report:\n%s" % (
        len(problems), where, "\n".join(problems), "\n".join(report))
    assert report[-1] == "Importer processing completed successfully", "\n".join(report)

    # What Galaxy would list: every module, filter, callback and role, the plugins with their documentation.
    with open(kept_result, encoding="utf-8") as handle:
        imported = json.load(handle)
    expected = {("module", name) for name in plugin_names("modules")}
    expected |= {("filter", name) for name in plugin_names("filter")}
    expected |= {("callback", name) for name in plugin_names("callback")}
    expected |= {("role", os.path.basename(path)) for path in glob.glob(os.path.join(REPO_ROOT, "roles", "*"))}
    listed = {(item["content_type"], item["name"]) for item in imported["contents"]}
    assert expected <= listed, sorted(expected - listed)
    documented = {(item["content_type"], item["content_name"]) for item in imported["docs_blob"]["contents"]
                  if item["doc_strings"]}
    plugins = {item for item in expected if item[0] != "role"}
    assert plugins <= documented, sorted(plugins - documented)
    assert imported["docs_blob"]["collection_readme"]["html"]
    assert imported["requires_ansible"]


def plugin_names(plugin_type):
    return [os.path.splitext(os.path.basename(path))[0]
            for path in glob.glob(os.path.join(REPO_ROOT, "plugins", plugin_type, "*.py"))
            if not os.path.basename(path).startswith("_")]


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

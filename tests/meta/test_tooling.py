"""The Ansible ecosystem's tools on the collection, run as tests so that `make test` ends in one summary.

Each test runs a tool as its make target does and fails on the tool's errors: antsibull-nox's sessions (noxfile.py,
antsibull-nox.toml) with the tools venv's nox, ansible-test through tests/tooling/run_ansible_test.py, the other
tools from the tools venv (.build/tools). What a test asserts beyond the tool's own exit code is what the tool
cannot fail on: that a check ran rather than being skipped, galaxy-importer's warnings, what the tarball holds.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import tarfile

import pytest

from tests import guarantees
from tests.emulator.harness import install_collection

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS_BIN = os.path.join(REPO_ROOT, ".build", "tools", "bin")
TOOLS_PYTHON = os.path.join(TOOLS_BIN, "python")
TOOLING = os.path.join(REPO_ROOT, "tests", "tooling")
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")  # the checkout, symlinked by tests/conftest.py
IMPORTER_REPORT = os.path.join(REPO_ROOT, ".build", "galaxy-importer")


@pytest.fixture(scope="module", autouse=True)
def tools_venv():
    if not os.path.exists(TOOLS_PYTHON):
        pytest.fail("The tools venv is missing: run `make tools` (make test does it first).")


def execute(cmd, timeout=900):
    """(exit code, output) of a tool run in the checkout, with the tools venv first on PATH."""
    env = dict(os.environ, PATH=os.pathsep.join([TOOLS_BIN, os.environ.get("PATH", "")]),
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    if os.path.basename(cmd[0]) == "nox":
        del env["ANSIBLE_COLLECTIONS_PATH"]  # each session makes its own collection tree
        env["NO_COLOR"] = "1"  # ansible-lint's colours otherwise
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout


def run(*cmd, timeout=900):
    """The output of a tool; fails with its end unless the tool exits 0."""
    returncode, output = execute(cmd, timeout)
    assert returncode == 0, "%s exited %d:\n%s" % (" ".join(cmd), returncode, output[-6000:])
    return output


def nox_session(name):
    return [os.path.join(TOOLS_BIN, "nox"), "--non-interactive", "--no-color", "-s", name]


def ansible_test(*args, timeout=900):
    return run(TOOLS_PYTHON, os.path.join(TOOLING, "run_ansible_test.py"), *args, timeout=timeout)


def tools_python_version():
    return run(TOOLS_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").strip()


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
    output = ansible_test("--", "units", "--venv", "--python", tools_python_version(), "--color", "no")
    assert re.search(r"\d+ passed", output), output[-2000:]


@pytest.mark.parametrize("way", ["in-process", "module-process"])
def test_ansible_test_integration(way):
    # The documented playbook contract: every target, at -vvvv, with ansible-test's output scanned for secrets;
    # once with the modules in the controller's process (the default), once as module processes.
    output = ansible_test("--emulator", *(["--module-process"] if way == "module-process" else []), "--", "integration",
                          "--venv", "--python", tools_python_version(), "--color", "no", "-vvvv")
    # Every GenAuth task says which way it ran (-vvv): in the controller's process unless it sets environment, or
    # as a module process, every one, when the targets are told so.
    here = len(re.findall(r"> genauth\.management\.\w+ runs in the controller's process", output))
    reasons = set(re.findall(r"> genauth\.management\.\w+ runs as a module process: (.*)", output))
    if way == "in-process":
        assert here > 0 and reasons <= {"it sets environment"}, (here, reasons)
    else:
        assert here == 0 and reasons == {"it sets environment", "genauth_in_process is false"}, (here, reasons)
    for script in glob.glob(os.path.join(REPO_ROOT, "tests", "integration", "targets", "*", "runme.sh")):
        target = os.path.basename(os.path.dirname(script))
        assert "Running %s integration test script" % target in output, output[-3000:]
    scanned = re.search(r"harness: secret scan: (\d+) ansible-playbook runs; no secret in the ", output)
    assert scanned and int(scanned.group(1)) > 0, output[-3000:]
    guarantees.record_target_scan(int(scanned.group(1)))


# antsibull-nox's sessions, and what each prints when its check ran rather than being skipped --------------------

@pytest.mark.parametrize("session, ran", [
    ("ansible-lint", "Profile 'production' was required, and it passed"),  # .ansible-lint's profile
    ("docs-check", "antsibull-docs lint-collection-docs --plugin-docs"),
    ("extra-checks", "no-unwanted-files"),
])
def test_nox_session(session, ran):
    output = run(*nox_session(session))
    assert "Session %s was successful" % session in output and ran in output, output[-3000:]


def importer_report(output):
    """The lines galaxy-importer logged: antsibull-nox prints them after a successful import, nox after a failed
    one (the first behind "nox > ")."""
    lines = [re.sub(r"^nox > (?=Importing with galaxy-importer )", "", line.strip()) for line in output.splitlines()]
    starts = [n for n, line in enumerate(lines) if line.startswith("Importing with galaxy-importer ")]
    report = []
    for line in lines[starts[-1]:] if starts else []:
        if line.startswith(("nox > ", "::endgroup::")):
            break
        report.append(line)
    return report


def test_galaxy_importer_imports_the_built_tarball_without_errors_or_warnings():
    # build-import-check builds the tarball with `ansible-galaxy collection build` and imports it with
    # galaxy-importer (tests/galaxy-importer.cfg): manifest and checksums, galaxy.yml's metadata and tags,
    # ansible-doc on every plugin, the README and docs/ rendered, the changelog, ansible-lint as Galaxy runs it,
    # meta/execution-environment.yml's files. The session fails only when the import fails; Galaxy shows the
    # errors and warnings of an import that succeeds on the collection's page, so they fail here. The session's
    # output and galaxy-importer's result are kept in .build/galaxy-importer/.
    result = os.path.join(REPO_ROOT, ".build", "nox", "build-import-check", "tmp", "collection", "importer_result.json")
    kept_result = os.path.join(IMPORTER_REPORT, "importer_result.json")
    os.makedirs(IMPORTER_REPORT, exist_ok=True)
    for old in (result, kept_result):
        if os.path.exists(old):
            os.unlink(old)
    returncode, output = execute(nox_session("build-import-check"))
    with open(os.path.join(IMPORTER_REPORT, "build-import-check.log"), "w", encoding="utf-8") as handle:
        handle.write(output)
    report = importer_report(output)
    where = "(the whole session: .build/galaxy-importer/build-import-check.log)"
    assert returncode == 0 and report, "nox -s build-import-check exited %d %s:\n%s" % (
        returncode, where, "\n".join(report) or output[-6000:])
    problems = [line for line in report if line.startswith(("ERROR:", "WARNING:"))]
    assert not problems, "galaxy-importer reported %d problems %s:\n%s" % (len(problems), where, "\n".join(report))
    assert report[-1] == "Importer processing completed successfully", "\n".join(report)

    # What Galaxy would list: every module, filter, callback and role, and the event sources that
    # meta/extensions.yml declares, the plugins and event sources with their documentation.
    shutil.copyfile(result, kept_result)
    with open(result, encoding="utf-8") as handle:
        imported = json.load(handle)
    plugins = {(content_type, os.path.basename(path)[:-3])
               for folder, content_type in (("modules", "module"), ("filter", "filter"), ("callback", "callback"))
               for path in glob.glob(os.path.join(REPO_ROOT, "plugins", folder, "[!_]*.py"))}
    plugins |= {("eda/plugins/event_source", os.path.basename(path)[:-3]) for path in glob.glob(
        os.path.join(REPO_ROOT, "extensions", "eda", "plugins", "event_source", "[!_]*.py"))}
    assert ("eda/plugins/event_source", "genauth_events") in plugins
    roles = {("role", os.path.basename(path)) for path in glob.glob(os.path.join(REPO_ROOT, "roles", "*"))}
    listed = {(item["content_type"], item["name"]) for item in imported["contents"]}
    assert plugins | roles <= listed, sorted(plugins | roles - listed)
    documented = {(item["content_type"], item["content_name"]) for item in imported["docs_blob"]["contents"]
                  if item["doc_strings"]}
    assert plugins <= documented, sorted(plugins - documented)
    assert imported["docs_blob"]["collection_readme"]["html"] and imported["requires_ansible"]


# Changelog, docs site, tarball, execution environment --------------------------------------------------------------

def test_changelog_lints_and_renders_the_unreleased_version(tmp_path):
    run(os.path.join(TOOLS_BIN, "antsibull-changelog"), "lint")
    run(TOOLS_PYTHON, os.path.join(TOOLING, "ecosystem.py"), "changelog", str(tmp_path))
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = re.search(r"^version:\s*(\S+)", handle.read(), re.M).group(1)
    for name in ("CHANGELOG.rst", "CHANGELOG.md"):
        text = (tmp_path / name).read_text(encoding="utf-8").replace("\\", "")  # Markdown escapes punctuation
        assert "v%s" % version in text and "Release Summary" in text and "genauth_webhook_trigger" in text, text
    # The repository itself keeps its fragments until a release.
    assert glob.glob(os.path.join(REPO_ROOT, "changelogs", "fragments", "*.yml"))


def test_docs_site_builds_with_module_role_and_guide_pages(tmp_path):
    run(TOOLS_PYTHON, os.path.join(TOOLING, "ecosystem.py"), "docs", str(tmp_path))
    pages = tmp_path / "html" / "collections" / "genauth" / "management"
    for module in ("genauth_webhook_trigger", "genauth_webhook", "genauth_webhook_info"):
        assert (pages / ("%s_module.html" % module)).is_file(), module
    assert (pages / "genauth_webhook_callback.html").is_file()
    for guide in ("quickstart", "chaining", "after_deploy", "troubleshooting", "webhooks_as_code", "notify_awx_ci",
                  "events"):
        assert (pages / "docsite" / ("%s.html" % guide)).is_file(), guide
    for spec in glob.glob(os.path.join(REPO_ROOT, "roles", "*", "meta", "argument_specs.yml")):
        role = os.path.basename(os.path.dirname(os.path.dirname(spec)))
        assert (pages / ("%s_role.html" % role)).is_file(), role


# Nothing of these may ship in the collection tarball: venvs, caches, build and test output, VCS data.
FORBIDDEN_IN_TARBALL = (".venv", ".build", "__pycache__", ".pytest_cache", ".hypothesis", "tests/output",
                        "docs/_build", ".git", ".ansible", "tests/integration/integration_config.yml")
# One file of each kind that a checkout does not always have.
CLUTTER = (".hypothesis/x", "tests/output/x", "docs/_build/x", ".ansible/x", ".pytest_cache/x",
           "plugins/modules/__pycache__/x.pyc", ".build/x", "tests/integration/integration_config.yml")


@pytest.fixture
def clutter_in_checkout():
    """Each kind of local clutter, made where it is missing while the tarball is built, and removed after."""
    made = [path for path in (os.path.join(REPO_ROOT, rel) for rel in CLUTTER) if not os.path.exists(path)]
    for path in made:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "w").close()
    yield
    for path in made:
        os.unlink(path)
        parent = os.path.dirname(path)
        while parent != REPO_ROOT and not os.listdir(parent):
            os.rmdir(parent)
            parent = os.path.dirname(parent)


def test_galaxy_build_from_a_cluttered_checkout_ships_none_of_it(tmp_path, clutter_in_checkout):
    # build-import-check builds from a copy of the files git tracks; users and CI build from their checkout as it
    # is, which galaxy.yml's build_ignore keeps out of the tarball. (The tarball's plugins are documented as
    # ansible-doc reads them in galaxy-importer's report, and installed and run by the pytest integration tests.)
    install_collection(tmp_path)
    tarball, = glob.glob(str(tmp_path / "genauth-management-*.tar.gz"))
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert "plugins/modules/genauth_webhook_trigger.py" in names
    assert "meta/execution-environment.yml" in names and "meta/ee-requirements.txt" in names
    for name in names:
        assert not name.endswith(".pyc"), name
        for forbidden in FORBIDDEN_IN_TARBALL:
            assert "/%s/" % forbidden not in "/%s/" % name, name


def test_execution_environment_build_context(tmp_path):
    context = tmp_path / "context"
    run(TOOLS_PYTHON, os.path.join(TOOLING, "ecosystem.py"), "ee", str(context))
    assert (context / "Containerfile").is_file()
    assert "genauth.management" in (context / "_build" / "requirements.yml").read_text(encoding="utf-8")
    user_pip = context / "_build" / "requirements.txt"
    assert "voluptuous" in user_pip.read_text(encoding="utf-8")
    # What the image build's introspection step adds for the installed collection, with the user's packages.
    deps = run(os.path.join(TOOLS_BIN, "ansible-builder"), "introspect", "--user-pip", str(user_pip), COLLECTIONS)
    assert re.search(r"requests.*from collection genauth.management", deps), deps
    assert re.search(r"voluptuous.*from collection user", deps), deps
    run(TOOLS_PYTHON, "-c", "import sys, yaml; from ansible_builder.ee_schema import validate_schema; "
                            "[validate_schema(yaml.safe_load(open(f))) for f in sys.argv[1:]]",
        "meta/execution-environment.yml", "docs/examples/execution-environment.yml")


# The Java runtime ansible-rulebook needs (make rulebook) ---------------------------------------------------------

@pytest.mark.parametrize("java, what", [(None, "does not run"), ('echo \'java version "1.8.0_392"\' >&2', "is Java 8")],
                         ids=["missing", "too-old"])
def test_the_java_check_says_what_to_install_when_java_17_is_missing(tmp_path, java, what):
    """With JAVA_HOME set, the check never installs anything: it names the Java it found and what to install."""
    if java:
        (tmp_path / "bin").mkdir()
        (tmp_path / "bin" / "java").write_text("#!/bin/sh\n%s\n" % java, encoding="utf-8")
        (tmp_path / "bin" / "java").chmod(0o755)
    proc = subprocess.run([TOOLS_PYTHON, os.path.join(TOOLING, "java_runtime.py")], env=dict(os.environ,
                          JAVA_HOME=str(tmp_path)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=60, check=False)
    assert proc.returncode == 1 and "%s %s" % (tmp_path / "bin" / "java", what) in proc.stdout, proc.stdout
    assert "apt-get install openjdk-17-jre-headless" in proc.stdout


def test_the_java_check_passes_on_this_machine():
    run(TOOLS_PYTHON, os.path.join(TOOLING, "java_runtime.py"))

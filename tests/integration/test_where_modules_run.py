"""Where a GenAuth task runs its module, through ansible-playbook against the emulator (playbooks/in_process.yml):
in the controller's process when it would run there alike, as a module process when the task sets environment,
uses become, is delegated to a host over ssh, sets the off switch, or when the controller's Python lacks a library;
the same results both ways; a loop's items share one token only in the controller's process; a failure there is a
clean task failure and the next task runs. Run by the test venv's ansible-core, by the oldest and the newest that
the collection supports, and by a controller without requests and voluptuous. At -vvvv, with the secret scan of every run.

That every ansible-test target passes both ways is tests/meta/test_tooling.py's; what the action plugin decides and
returns, case by case, is tests/unit/plugins/plugin_utils/test_in_process.py's.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from tests.tooling.run_ansible_test import find_python

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
# The oldest release line that meta/runtime.yml's requires_ansible admits and the newest one, each at its newest
# release, on a Python it supports; the test venv's ansible-core (tests/constraints.txt) lies between.
CONTROLLERS = {"oldest": ("3.11", "ansible-core==2.16.19"), "newest": ("3.13", "ansible-core==2.21.5")}
BARE_VENV = os.path.join(REPO_ROOT, ".build", "ansible-core-bare")  # ansible-core alone: no requests, no voluptuous
HERE_LINE = re.compile(r"^<[^>]+> genauth\.management\.\w+ (runs in the controller's process.*|runs as a module "
                       r"process: .*)$", re.M)


def pins(*names):
    """The pins of tests/constraints.txt for these packages."""
    with open(os.path.join(REPO_ROOT, "tests", "constraints.txt"), encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.split("==")[0].strip().lower() in names]


def venv_with(venv, packages, python=sys.executable):
    """ansible-playbook of a venv of its own that has just ``packages`` (made once, under .build)."""
    stamp = os.path.join(venv, ".installed-" + "-".join(packages))
    if not os.path.exists(stamp):
        subprocess.run([python, "-m", "venv", "--clear", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check"] + packages, check=True)
        open(stamp, "w").close()
    return os.path.join(venv, "bin", "ansible-playbook")


def controller(name):
    """ansible-playbook of one of CONTROLLERS, with the libraries the modules need (and coverage, which AnsiballZ's
    coverage hook imports in a module process when this session measures it), and its Python."""
    version, core = CONTROLLERS[name]
    python = find_python(version)
    if python is None:
        pytest.skip("no Python %s on this machine for %s" % (version, core))
    ansible_playbook = venv_with(os.path.join(REPO_ROOT, ".build", core.replace("==", "-")), [core] + pins(
        "requests", "voluptuous", "urllib3", "idna", "certifi", "charset-normalizer", "coverage"), python)
    return ansible_playbook, os.path.join(os.path.dirname(ansible_playbook), "python")


def paths_by_task(output):
    """{task name: [where each of its module runs went]} from the lines the action plugin prints at -vvv."""
    found, task = {}, None
    for line in output.splitlines():
        started = re.match(r"^TASK \[(.*)\] \**$", line)
        if started:
            task = started.group(1)
        match = HERE_LINE.match(line)
        if match:
            found.setdefault(task, []).append("here" if match.group(1).startswith("runs in")
                                              else match.group(1).split(": ", 1)[1])
    return found


def run_playbook(ansible, ansible_playbook=None, python=sys.executable):
    """The playbook run by ``ansible_playbook`` (the test venv's), its modules' Python being the controller's."""
    wrapper = ansible.tmp_path / "wrapper-python"
    wrapper.write_text("#!/bin/sh\nexec %s \"$@\"\n" % python)
    wrapper.chmod(0o755)
    run = ansible.playbook("in_process.yml", {"webhook_ids": [ansible.servers.webhooks["deploy"]] * 3,
                                              "wrapper_python": str(wrapper),
                                              "preview_secret": ansible.servers.declared_secrets["first"]},
                           verbosity=4, inventory=os.path.join(HERE, "inventory_in_process.ini"), timeout=300,
                           ansible_playbook=ansible_playbook, env={"ANSIBLE_PYTHON_INTERPRETER": python})
    assert run.rc == 0, run.output[-5000:]
    return run.output, run.result


def tokens_of_each_loop(ansible):
    """The bearer tokens the trigger calls of each loop carried, by the loop's way."""
    tokens = {}
    for request in ansible.servers.emulator.requests("trigger-webhook"):
        way = json.loads(request["body"]).get("requestBody", {}).get("way")
        tokens.setdefault(way, []).append(request["headers"].get("authorization"))
    return tokens


def same_result(item):
    """A loop item's result without what differs from one call to the next (the request id, the receiver's count of
    deliveries) or names the way (the request body, in invocation)."""
    kept = {key: value for key, value in item.items() if key not in ("invocation", "request_id")}
    return dict(kept, response=dict(item["response"], delivery=None))


@pytest.mark.parametrize("core", ["test venv", "oldest", "newest"])
def test_each_task_takes_its_path_with_the_same_results(ansible, core):
    output, results = run_playbook(ansible, *(() if core == "test venv" else controller(core)))
    paths = paths_by_task(output)
    expected = CONTROLLERS[core][1].split("==")[1] if core in CONTROLLERS else pins("ansible-core")[0].split("==")[1]
    assert "ansible-playbook [core %s]" % expected in output
    assert paths["A loop with the key pair in every item"] == ["here"] * 3
    assert paths["The same loop as module processes"] == ["genauth_in_process is false"] * 3
    assert paths["A task that sets environment"] == ["it sets environment"]
    assert paths["A task that sets timeout"] == ["it sets timeout"]
    assert paths["A task whose Python is another one"] == [
        "its Python is %s, not the controller's" % (ansible.tmp_path / "wrapper-python")]
    assert paths["A declaration previewed in check mode with a diff"] == ["here"]
    assert paths["The same preview as a module process"] == ["genauth_in_process is false"]
    assert paths["A task that uses become"] == ["it uses become"]
    assert paths["A task that fails in the controller's process"] == ["here"]
    assert paths["The next task still runs"] == ["here"]
    assert paths["A task delegated to a host reached over ssh"] == ["its connection is ssh, not local"]

    # The same results both ways; the items of a loop in the controller's process share one token.
    here, process = results["here_loop"]["results"], results["process_loop"]["results"]
    assert [same_result(item) for item in here] == [same_result(item) for item in process]
    assert all(item["changed"] and item["status_code"] == 200 for item in here)
    tokens = tokens_of_each_loop(ansible)
    assert len(tokens["here"]) == len(tokens["process"]) == 3
    assert len(set(tokens["here"])) == 1 and len(set(tokens["process"])) == 3
    for name in ("with_environment", "with_timeout", "other_python", "with_become", "after_failure"):
        assert results[name]["webhooks"] and not results[name].get("failed"), results[name]
    # A check mode preview with its diff, and a failure, the same both ways.
    here, process = (dict(results[name], invocation=None) for name in ("preview_here", "preview_process"))
    assert here == process and here["changed"] and here["diff"], here
    here, process = (dict(results[name], invocation=None, request_id=None, exception="exception" in results[name],
                          msg=re.sub(r"requestId \S+", "", results[name]["msg"]))
                     for name in ("failure", "process_failure"))
    assert here == process and here["failed"] and "get-webhook: Webhook not found" in here["msg"], (here, process)
    assert "Traceback" not in here["msg"] and "module_stderr" not in here
    assert results["delegated"].get("unreachable") or results["delegated"].get("failed")


def test_a_controller_without_the_libraries_runs_every_module_as_a_process(ansible):
    """ansible-core alone on the controller; the modules' Python (ansible_python_interpreter) has what they need."""
    output, results = run_playbook(ansible, venv_with(BARE_VENV, pins(
        "ansible-core", "jinja2", "markupsafe", "pyyaml", "cryptography", "cffi", "pycparser", "packaging",
        "resolvelib")))
    paths = paths_by_task(output)
    lacking = "the controller's Python lacks requests or voluptuous"
    for task in ("A loop with the key pair in every item", "A task that fails in the controller's process",
                 "The next task still runs"):
        assert set(paths[task]) == {lacking}, paths
    assert all(item["status_code"] == 200 for item in results["here_loop"]["results"])
    assert len(set(tokens_of_each_loop(ansible)["here"])) == 3

# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is private to the genauth.management collection: its interface may change at any time.

"""Running a GenAuth module in the controller's own process: the one action plugin of every module.

A task whose module would run on the controller anyway, as the same user and with the same environment, runs the
module's own ``main()`` in Ansible's worker process instead of building, copying and starting a module process: the
same ``AnsibleModule`` code sees the same arguments (``module_defaults`` and Ansible's internal ``_ansible_*``
ones included) and its printed result is parsed by the same code as a module process's output. Anywhere else, the
module runs as usual (``ansible.builtin.normal``).

The worker process runs one task, every item of its loop (and every ``until`` attempt), and ends with it, so what
a module run leaves in it (``_client.SHARED``: the keep-alive connections and the token source) serves the next
run of the same task, and nothing outlives the task.
"""

import contextlib
import importlib
import io
import json
import os
import sys
import traceback

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings
from ansible import constants as C
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

from ansible_collections.genauth.management.plugins.module_utils import _client
from ansible_collections.genauth.management.plugins.module_utils._validation import VOLUPTUOUS_IMPORT_ERROR

try:  # ansible-core 2.19+: arguments travel with a serialization profile, and module_utils knows where it runs
    from ansible.module_utils import _internal as module_utils_internal
    from ansible.module_utils.common.json import Direction, get_module_encoder

    def _encoded(params):
        return json.dumps(params, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE))
except ImportError:  # ansible-core < 2.19
    from ansible.module_utils.common.json import AnsibleJSONEncoder
    module_utils_internal = None

    def _encoded(params):
        return json.dumps(params, cls=AnsibleJSONEncoder, vault_to_text=True)
try:  # ansible-core 2.19+: how AnsiballZ reports an exception that escapes a module
    from ansible.module_utils._internal._ansiballz._loader import _handle_exception
except ImportError:  # before, the Python of a module process prints the traceback and exits with 1
    _handle_exception = None
try:  # before ansible-core 2.21, which cleans a module's result as a UnifiedTaskResult
    from ansible.vars.clean import remove_internal_keys
except ImportError:
    remove_internal_keys = None

display = Display()

# The off switch: false in the controller's environment, or as a variable of the task, its play or its host.
ENVIRONMENT_VARIABLE = "GENAUTH_IN_PROCESS"
VARIABLE = "genauth_in_process"
COLLECTION = "genauth.management."
LOCAL_CONNECTIONS = ("local", "ansible.builtin.local", "ansible.legacy.local")
# What the module runs of the current task share (_client.SHARED), under the task's id.
_SHARED_BY_TASK = {}
# The profile Ansible encodes a module's arguments and decodes its result with (module_common's default).
PROFILE = "legacy"


def _switched_off(value):
    return value is not None and str(value).strip() != "" and not boolean(value, strict=False)


class ActionModule(NormalAction):
    """Runs the task's GenAuth module in this process when that changes nothing but the time it takes."""

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        why_not = self._why_not_here(task_vars or {})
        if why_not:
            display.vvv("%s runs as a module process: %s" % (self._task.action, why_not), host=self._play_context.remote_addr)
            return super(ActionModule, self).run(tmp, task_vars)
        display.vvv("%s runs in the controller's process (%s=false for a module process)"
                    % (self._task.action, ENVIRONMENT_VARIABLE), host=self._play_context.remote_addr)
        result = ActionBase.run(self, tmp, task_vars)  # pylint: disable=bad-super-call
        del tmp  # not used since Ansible 2.5
        result.update(self._run_here(task_vars or {}))
        return result

    def _why_not_here(self, task_vars):
        """Why the module must run in a process of its own here, or None when it can run in this one."""
        if not (self._task.resolved_action or "").startswith(COLLECTION):
            return "it is not a module of this collection"
        connection = getattr(self._connection, "_load_name", self._connection.transport)
        if self._connection.transport != "local" or connection not in LOCAL_CONNECTIONS:
            return "its connection is %s, not local" % connection
        if self._play_context.become:
            return "it uses become"
        if self._task.async_val:
            return "it runs with async"
        if any(self._task.environment or ()):
            return "it sets environment"
        if getattr(self._task, "timeout", None):
            # Ansible stops a task at its timeout by raising in this process, where a module's threads would
            # go on; a module process is stopped whole.
            return "it sets timeout"
        if _client.REQUESTS_IMPORT_ERROR or VOLUPTUOUS_IMPORT_ERROR:
            return "the controller's Python lacks requests or voluptuous"
        interpreter = self._interpreter(task_vars)
        if interpreter:
            return "its Python is %s, not the controller's" % interpreter
        if _switched_off(os.environ.get(ENVIRONMENT_VARIABLE)):
            return "%s is false" % ENVIRONMENT_VARIABLE
        if _switched_off(self._host_var(task_vars, VARIABLE)):
            return "%s is false" % VARIABLE
        return None

    def _host_var(self, task_vars, name):
        """A variable as the task sees it, the delegated host's when the task is delegated (templated)."""
        delegated = (task_vars.get("ansible_delegated_vars") or {}).get(self._task.delegate_to) or {}
        return self._templar.template(delegated.get(name, task_vars.get(name)))

    def _interpreter(self, task_vars):
        """The Python set for the module (``ansible_python_interpreter``, or ``interpreter_python`` when it is not
        discovery), when it is not this process's: that Python's libraries, trust store or wrapper script would
        serve a module process. None when it is this Python or discovered."""
        configured = self._host_var(task_vars, "ansible_python_interpreter")
        if not configured:
            configured = C.config.get_config_value("INTERPRETER_PYTHON", variables=task_vars)
            if not configured or str(configured).startswith("auto"):
                return None
        configured = str(configured).strip()
        if os.path.abspath(configured) in (os.path.abspath(sys.executable), task_vars.get("ansible_playbook_python")):
            return None
        return configured

    def _run_here(self, task_vars):
        """The module's result, as ``_execute_module`` returns a module process's."""
        namespace, name, module_name = self._task.resolved_action.split(".")
        module = importlib.import_module("ansible_collections.%s.%s.plugins.modules.%s" % (namespace, name, module_name))
        args = dict(self._task.args)
        self._update_module_args(self._task.action, args, task_vars)
        stdout, stderr = io.StringIO(), io.StringIO()
        rc = 0
        shared = _shared_by(self._task._uuid)
        with _as_module_process(args, shared), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                module.main()
                if _handle_exception is not None:
                    raise RuntimeError("New-style module did not handle its own exit.")  # AnsiballZ's words
            except SystemExit as exc:
                rc = _exit_code(exc, stderr)
            except Exception as exc:  # pylint: disable=broad-except  # what a module process would print and die of
                if _handle_exception is None:
                    stderr.write(traceback.format_exc())
                    rc = 1
                else:
                    try:
                        _handle_exception(exc, PROFILE)
                    except SystemExit as exit_:
                        rc = _exit_code(exit_, stderr)
        return self._parsed(dict(rc=rc, stdout=stdout.getvalue(), stderr=stderr.getvalue()))

    def _parsed(self, res):
        """What ``_execute_module`` makes of a module process's ``res``: its output parsed, internal keys removed."""
        if module_utils_internal is None:
            data = self._parse_returned_data(res)  # pylint: disable=no-value-for-parameter
        else:
            data = self._parse_returned_data(res, PROFILE)
        if remove_internal_keys is None:  # ansible-core 2.21+
            data.remove_internal_keys()
            return data.as_result_dict(for_round_trip=True)
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return data


def _exit_code(exc, stderr):
    """The exit code of a process that ``exc`` ended; a message given to ``sys.exit`` goes to ``stderr``, as
    Python writes it."""
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    stderr.write("%s\n" % exc.code)
    return 1


def _shared_by(task_id):
    """What the runs of this task share: a task's runs share nothing with another task's, whose sessions close
    when a run of another task starts (a worker process runs one task, but nothing here relies on that)."""
    if task_id not in _SHARED_BY_TASK:
        for shared in _SHARED_BY_TASK.values():
            for session, dummy in shared.values():
                session.close()
        _SHARED_BY_TASK.clear()
        _SHARED_BY_TASK[task_id] = {}
    return _SHARED_BY_TASK[task_id]


@contextlib.contextmanager
def _as_module_process(args, shared):
    """Within the block, ``AnsibleModule`` reads ``args``, module_utils behave as in a module process (warnings
    and deprecations are collected for the result) and clients share what ``shared`` holds (``_client.SHARED``);
    every global changed is restored after."""
    saved = {}

    def replace(owner, attribute, value):
        if hasattr(owner, attribute):
            saved[(owner, attribute)] = getattr(owner, attribute)
            setattr(owner, attribute, value)

    try:
        replace(basic, "_ANSIBLE_ARGS", _encoded(dict(ANSIBLE_MODULE_ARGS=args)).encode())
        replace(basic, "_ANSIBLE_PROFILE", PROFILE)
        replace(basic, "_PARSED_MODULE_ARGS", None)
        replace(_client, "SHARED", shared)
        for store in ("_global_warnings", "_global_deprecations"):
            replace(module_warnings, store, type(getattr(module_warnings, store))())
        if module_utils_internal is not None:
            replace(module_utils_internal, "is_controller", False)
        yield
    finally:
        for (owner, attribute), value in saved.items():
            setattr(owner, attribute, value)

# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Logs in for the genauth_token module, and hides its result from Ansible's output, as ``no_log`` does, when
it holds the token.

When the task runs on the controller itself (the local connection, as the usual ``hosts: localhost`` login
does), the token is fetched in this process (``plugin_utils/_login``): the same options, rules, messages and
result as the module, without building, copying and starting a module. Anywhere else, or when the task sets
``environment``, ``become`` or ``async`` (which only a module process honours), or when the controller's Python
lacks a library, the module runs.

The module returns the token itself, so it cannot mask it as it masks other secrets (the registered value
would be masked too). A module cannot ask for its own result to be hidden (Ansible drops ``_ansible_*`` keys
that a module returns); an action plugin can, and the registered variable keeps every field.
"""

import os

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.genauth.management.plugins.plugin_utils._login import controller_can_login, login_here

display = Display()


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # not used since Ansible 2.5
        if self._runs_here():
            result.update(login_here(self._task.args, os.environ, warn=display.warning))
        else:
            result.update(self._execute_module(
                module_name="genauth.management.genauth_token", module_args=self._task.args, task_vars=task_vars))
        # Hide a result that holds the token from callbacks at every verbosity, whatever the task's no_log
        # says. A failure holds no token, so its message stays visible.
        if result.get("access_token"):
            result["_ansible_no_log"] = True
        return result

    def _runs_here(self):
        """Whether the module would run in this very machine, as this user, with this environment."""
        return (
            self._connection.transport == "local"
            and not any(self._task.environment or ())
            and not self._play_context.become
            and not self._task.async_val
            and controller_can_login()
        )

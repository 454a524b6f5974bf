# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs the genauth_token module and hides its result from Ansible's output, as ``no_log`` does, when it holds
the token.

The module returns the token itself, so it cannot mask it as it masks other secrets (the registered value
would be masked too). A module cannot ask for its own result to be hidden (Ansible drops ``_ansible_*`` keys
that a module returns); an action plugin can, and the registered variable keeps every field.
"""

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # not used since Ansible 2.5
        result.update(self._execute_module(
            module_name="genauth.management.genauth_token", module_args=self._task.args, task_vars=task_vars))
        # Hide a result that holds the token from callbacks at every verbosity, whatever the task's no_log
        # says. A failure holds no token, so its message stays visible.
        if result.get("access_token"):
            result["_ansible_no_log"] = True
        return result

# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs the genauth_token module, in the controller's process when the task runs there (plugin_utils/_in_process),
and hides its result from Ansible's output, as ``no_log`` does, when it holds the token.

The module returns the token itself, so it cannot mask it as it masks other secrets (the registered value
would be masked too). A module cannot ask for its own result to be hidden (Ansible drops ``_ansible_*`` keys
that a module returns); an action plugin can, and the registered variable keeps every field.
"""

from ansible_collections.genauth.management.plugins.plugin_utils._in_process import ActionModule as InProcessAction


class ActionModule(InProcessAction):
    # The result of an async job reaches callbacks without passing through here, so the token would show.
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        # Hide a result that holds the token from callbacks at every verbosity, whatever the task's no_log
        # says. A failure holds no token, so its message stays visible.
        if result.get("access_token"):
            result["_ansible_no_log"] = True
        return result

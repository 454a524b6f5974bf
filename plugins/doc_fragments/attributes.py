# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    """Module attributes, in parts that each module combines to declare what it supports.

    Every module uses the standard part (what check mode and diff mode mean) and states its own ``support``
    for both; a module in the ``genauth`` action group adds ``ACTIONGROUP_GENAUTH``, an info module
    ``INFO_MODULE`` instead of its own check and diff mode support.
    """

    # genauth.management.attributes
    DOCUMENTATION = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - When the task runs on the controller as the same user and Python (the local connection, no C(become),
        C(async), C(environment) or C(timeout)), the module runs in the controller's own process, with the same
        result; the variable C(genauth_in_process=false) or the environment variable C(GENAUTH_IN_PROCESS=false)
        switches this off.
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
"""

    # genauth.management.attributes.actiongroup_genauth
    ACTIONGROUP_GENAUTH = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/genauth.management.genauth) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - genauth.management.genauth
notes:
  - "All options of the connection can be set once for a play with
    C(module_defaults: {group/genauth.management.genauth: {...}})."
"""

    # genauth.management.attributes.info_module, with the standard part
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
"""

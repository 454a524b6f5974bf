# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    """Attributes shared by every GenAuth module."""

    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/genauth.management.genauth) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - genauth.management.genauth
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
"""

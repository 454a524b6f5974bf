# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs the genauth_webhook_info module in the controller's process when the task runs there (plugin_utils/_in_process)."""

from ansible_collections.genauth.management.plugins.plugin_utils._in_process import ActionModule  # noqa: F401 pylint: disable=unused-import

#!/usr/bin/env python
"""The steps of `make changelog`, `make docs` and `make ee`, which tests/meta/test_tooling.py runs too.

    .build/tools/bin/python tests/tooling/ecosystem.py changelog|docs|ee DEST

Why no tool does these: antsibull-nox lints the docs but builds no docs site, and its ee-check session needs a
container engine; `antsibull-changelog release` renders an unreleased version only by recording it, so it runs on a
throwaway copy.

- changelog: the release notes of galaxy.yml's version, from the fragments, as DEST/CHANGELOG.{rst,md}.
- docs: the HTML docs site (plugins, roles from meta/argument_specs.yml, the guides) in DEST/html, built with the
  script `antsibull-docs sphinx-init` writes, and a local inventory of the Ansible docs instead of the network's.
- ee: `ansible-builder create` for docs/examples/execution-environment.yml, the build context in DEST.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO_ROOT, ".build")
COLLECTIONS = os.path.join(BUILD, "collections")  # the checkout, symlinked as tests/conftest.py does
FQCN = "genauth.management"
ENV = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
           ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)


def changelog(dest):
    """`antsibull-changelog release` on a copy of what it reads, so that the checkout keeps its fragments."""
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = re.search(r"^version:\s*(\S+)", handle.read(), re.M).group(1)
    with tempfile.TemporaryDirectory(prefix="changelog-") as copy:
        for name in ("changelogs", "plugins"):
            shutil.copytree(os.path.join(REPO_ROOT, name), os.path.join(copy, name))
        shutil.copy(os.path.join(REPO_ROOT, "galaxy.yml"), copy)
        subprocess.run(["antsibull-changelog", "release", "--version", version], cwd=copy, env=ENV, check=True)
        os.makedirs(dest, exist_ok=True)
        for name in ("CHANGELOG.rst", "CHANGELOG.md"):
            shutil.copy(os.path.join(copy, name), dest)


# The pages of the Ansible docs that antsibull-docs' output links to by label. Sphinx would fetch their inventory
# from docs.ansible.com; the build reads this one instead, so a label missing here fails the build (-W).
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
ANSIBLE_DOCS_LABELS = {
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings",
                                       "Ansible Configuration Settings"),
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values",
                             "Return Values"),
    "module_defaults": ("playbook_guide/playbooks_module_defaults.html#module-defaults", "Module defaults"),
    "check_mode_dry": ("playbook_guide/playbooks_checkmode.html#check-mode-dry", "Validating tasks"),
    "ansible_collections.ansible.builtin.import_role_module": (
        "collections/ansible/builtin/import_role_module.html#ansible-collections-ansible-builtin-import-role-module",
        "ansible.builtin.import_role module"),
    "ansible_collections.ansible.builtin.set_stats_module": (
        "collections/ansible/builtin/set_stats_module.html#ansible-collections-ansible-builtin-set-stats-module",
        "ansible.builtin.set_stats module"),
    "callback_plugins": ("plugins/callback.html#callback-plugins", "Callback plugins"),
    "action_plugins": ("plugins/action.html#action-plugins", "Action plugins"),
}


def docs(dest):
    """Build the docs site with the script of `antsibull-docs sphinx-init`, offline."""
    link = os.path.join(COLLECTIONS, "ansible_collections", "genauth", "management")
    if os.path.realpath(link) != os.path.realpath(REPO_ROOT):
        if os.path.lexists(link):
            os.unlink(link)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO_ROOT, link)
    site = os.path.join(BUILD, "docsite")
    shutil.rmtree(site, ignore_errors=True)
    os.makedirs(site, mode=0o700)  # antsibull-docs wants its folders writable by their owner only
    subprocess.run(["antsibull-docs", "sphinx-init", "--use-current", "--fail-on-error", "--dest-dir", site, FQCN],
                   env=ENV, check=True)
    inventory = os.path.join(site, "ansible_devel.inv")
    entries = "".join("%s std:label -1 %s %s\n" % (name, uri, title)
                      for name, (uri, title) in sorted(ANSIBLE_DOCS_LABELS.items()))
    with open(inventory, "wb") as handle:
        handle.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
                     b"# The remainder of this file is compressed using zlib.\n" + zlib.compress(entries.encode()))
    with open(os.path.join(site, "conf.py"), "a", encoding="utf-8") as conf:
        conf.write("\n# Set by tests/tooling/ecosystem.py: local inventories only, never the network.\n"
                   "intersphinx_mapping = {'ansible_devel': (%r, %r)}\n" % (ANSIBLE_DOCS, inventory))
    subprocess.run(["bash", os.path.join(site, "build.sh")], env=ENV, check=True)
    shutil.rmtree(os.path.join(dest, "html"), ignore_errors=True)
    shutil.copytree(os.path.join(site, "build", "html"), os.path.join(dest, "html"))


def ee(dest):
    """The build context of the example execution environment (building its image needs a container engine)."""
    shutil.rmtree(dest, ignore_errors=True)
    subprocess.run(["ansible-builder", "create", "--file", "docs/examples/execution-environment.yml",
                    "--context", dest, "--output-filename", "Containerfile"], cwd=REPO_ROOT, env=ENV, check=True)


COMMANDS = {"changelog": changelog, "docs": docs, "ee": ee}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](os.path.abspath(sys.argv[2]))

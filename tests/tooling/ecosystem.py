#!/usr/bin/env python
"""Entry points for the Ansible ecosystem's tools, shared by the Makefile and tests/meta/test_tooling.py.

Run with the tools venv's Python (``.build/tools/bin/python``), whose bin folder holds the tools::

    ecosystem.py link COLLECTIONS_ROOT   symlink the checkout as COLLECTIONS_ROOT/ansible_collections/genauth/management
    ecosystem.py changelog DEST          render the unreleased version's changelog (rst and md) into DEST
    ecosystem.py docs DEST               build the HTML docs site into DEST/html
    ecosystem.py ee DEST                 create an execution environment's build context in DEST

Why no tool does these: antsibull-nox (noxfile.py) lints the docs (docs-check) but builds no docs site, and its
ee-check session builds and runs an image, which needs a container engine; nothing renders the release notes of
an unreleased version without recording the release (antsibull-changelog release does, hence the throwaway copy);
the local Sphinx inventory is this collection's own.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from collection_tree import REPO_ROOT, mirror_checkout

NAMESPACE, NAME = "genauth", "management"
FQCN = "%s.%s" % (NAMESPACE, NAME)
BUILD = os.path.join(REPO_ROOT, ".build")
BIN = os.path.dirname(sys.executable)
EE_EXAMPLE = os.path.join(REPO_ROOT, "docs", "examples", "execution-environment.yml")


def tool_env(collections_root=None):
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([BIN, env.get("PATH", os.defpath)])
    if collections_root:
        env["ANSIBLE_COLLECTIONS_PATH"] = collections_root
    return env


def link(collections_root):
    """Make collections_root/ansible_collections/genauth/management a symlink to the checkout."""
    parent = os.path.join(collections_root, "ansible_collections", NAMESPACE)
    target = os.path.join(parent, NAME)
    os.makedirs(parent, exist_ok=True)
    if os.path.islink(target) and os.path.realpath(target) == os.path.realpath(REPO_ROOT):
        return target
    if os.path.lexists(target):
        os.unlink(target)
    os.symlink(REPO_ROOT, target)
    return target


def galaxy_version():
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        return re.search(r"^version:\s*(\S+)", handle.read(), re.M).group(1)


def changelog(dest):
    """Render the release notes of galaxy.yml's (unreleased) version from the fragments into dest.

    `antsibull-changelog release` turns the fragments into a release entry and deletes them, which is the step
    of an actual release; here it runs on a throwaway mirror of the checkout, so the repository keeps its
    fragments and records no release that has not happened.
    """
    version = galaxy_version()
    with tempfile.TemporaryDirectory(prefix="changelog-") as scratch:
        tree = os.path.join(scratch, "ansible_collections", NAMESPACE, NAME)
        mirror_checkout(tree)
        subprocess.run(["antsibull-changelog", "release", "--version", version], cwd=tree, check=True,
                       env=tool_env(scratch))
        os.makedirs(dest, exist_ok=True)
        for name in ("CHANGELOG.rst", "CHANGELOG.md"):
            shutil.copyfile(os.path.join(tree, name), os.path.join(dest, name))
    return dest


# The pages of the Ansible docs that antsibull-docs' output links to by label. Sphinx's intersphinx would fetch
# their inventory from docs.ansible.com; the build reads this local one instead, so it needs no network, and a
# label missing here fails the build (-W) rather than leaving a dead link.
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


def write_ansible_inventory(path):
    """A Sphinx (intersphinx) inventory of ANSIBLE_DOCS_LABELS."""
    import zlib
    entries = "".join("%s std:label -1 %s %s\n" % (name, uri, title)
                      for name, (uri, title) in sorted(ANSIBLE_DOCS_LABELS.items()))
    with open(path, "wb") as handle:
        handle.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
                     b"# The remainder of this file is compressed using zlib.\n")
        handle.write(zlib.compress(entries.encode("utf-8")))


def docs(dest):
    """Build the docs site (plugins, roles with meta/argument_specs.yml, guides) into dest/html."""
    collections_root = os.path.join(BUILD, "docs-collections")
    link(collections_root)
    env = tool_env(collections_root)
    site = os.path.join(BUILD, "docsite")
    if os.path.exists(site):
        shutil.rmtree(site)
    os.makedirs(site, mode=0o700)  # antsibull-docs wants its folders writable by their owner only
    subprocess.run(["antsibull-docs", "sphinx-init", "--use-current", "--fail-on-error", "--dest-dir", site, FQCN],
                   check=True, env=env)
    rst = os.path.join(site, "rst")
    os.chmod(rst, 0o700)
    inventory = os.path.join(site, "ansible_devel.inv")
    write_ansible_inventory(inventory)
    with open(os.path.join(site, "conf.py"), "a", encoding="utf-8") as conf:
        conf.write("\n# Set by tests/tooling/ecosystem.py: local inventories only, never the network.\n"
                   "intersphinx_mapping = {'ansible_devel': (%r, %r)}\n" % (ANSIBLE_DOCS, inventory))
    subprocess.run(["antsibull-docs", "--config-file", "antsibull-docs.cfg", "collection", "--use-current",
                    "--fail-on-error", "--cleanup", "everything", "--dest-dir", "rst", FQCN],
                   cwd=site, check=True, env=env)
    subprocess.run(["sphinx-build", "-M", "html", "rst", "build", "-c", ".", "-W", "--keep-going", "-q"],
                   cwd=site, check=True, env=env)
    html = os.path.join(dest, "html")
    if os.path.exists(html):
        shutil.rmtree(html)
    shutil.copytree(os.path.join(site, "build", "html"), html)
    return html


def ee(dest):
    """`ansible-builder create` for docs/examples/execution-environment.yml; returns the build context."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    subprocess.run(["ansible-builder", "create", "--file", EE_EXAMPLE, "--context", dest, "--output-filename",
                    "Containerfile"], check=True, env=tool_env())
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("link").add_argument("collections_root")
    sub.add_parser("changelog").add_argument("dest")
    sub.add_parser("docs").add_argument("dest")
    sub.add_parser("ee").add_argument("dest")
    args = parser.parse_args(argv)
    if args.command == "link":
        print(link(os.path.abspath(args.collections_root)))
    elif args.command == "changelog":
        print(changelog(os.path.abspath(args.dest)))
    elif args.command == "docs":
        print(docs(os.path.abspath(args.dest)))
    elif args.command == "ee":
        print(ee(os.path.abspath(args.dest)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

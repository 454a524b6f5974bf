# The sessions of antsibull-nox (the runner community collections use) that `make test` runs, configured in
# antsibull-nox.toml: docs-check, ansible-lint, extra-checks and build-import-check (galaxy-importer on the built
# tarball). Run them with the tools venv's nox, e.g. `.build/tools/bin/nox -s build-import-check`, or through
# `make docs-lint`, `make lint`, `make extra-checks` and `make import-check`. antsibull-nox.toml also says why
# its other sessions (ansible-test, lint, license-check, ee-check) are not used.
#
# /// script
# dependencies = ["nox", "antsibull-nox"]
# ///

import os
import sys

import nox

try:
    import antsibull_nox
except ImportError:
    print("You need to install antsibull-nox in the same Python environment as nox (make tools does).")
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, ".build")

# Each session's venv lives under .build (git-ignored, never in the tarball) and is kept between runs; its
# packages are installed again on every run, under the pins of tests/tools-constraints.txt (antsibull-nox.toml),
# which costs a second when nothing changed and follows a change of the pins.
nox.options.envdir = os.path.join(BUILD, "nox")
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True

# galaxy-importer's options are tests/galaxy-importer.cfg; the paths it writes to are set here, under .build.
# ansible-lint, which galaxy-importer runs, keeps its cache in this folder too (XDG_CACHE_HOME).
os.environ.setdefault("GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP", os.path.join(BUILD, "galaxy-importer", "ansible-tmp"))

antsibull_nox.load_antsibull_nox_toml()

if __name__ == "__main__":
    nox.main()

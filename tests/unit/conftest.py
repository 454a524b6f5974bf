import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from ansible_collections.genauth.management.tests.unit.helpers import api, clear_module_warnings, mocked

# Re-exported so pytest finds the fixtures for every unit test.
__all__ = ["api", "mocked"]

# Property-based tests: bounded so `make test` stays fast, no example database (nothing is written to
# .hypothesis), no per-example deadline (runners are shared and slow).
# - "ci", the default: derandomized, so every run (`make test`, `make unit`, and `ansible-test units`, which passes
#   no environment variable through) draws the same examples, and a run fails only when the code changed.
# - HYPOTHESIS_PROFILE=random: the same bound, a new random search each run, as a local habit to find new cases.
# - HYPOTHESIS_PROFILE=thorough: a random search of 2000 examples a property.
# A failure prints the falsifying example; add it to the test's explicit cases once it is understood.
# Hypothesis caches (constants, Unicode tables) go under the git-ignored .build, not into the checkout.
set_hypothesis_home_dir(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                     ".build", "hypothesis"))
_BOUNDED = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=150, derandomize=True, **_BOUNDED)
settings.register_profile("random", max_examples=150, derandomize=False, **_BOUNDED)
settings.register_profile("thorough", max_examples=2000, derandomize=False, **_BOUNDED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def as_in_a_module_process(monkeypatch):
    """Run module code as AnsiballZ runs it: its warnings go into its result (ansible-core 2.19 sends them to the
    display instead once controller code, such as a filter plugin, is imported), and none is left over."""
    try:
        from ansible.module_utils import _internal
    except ImportError:  # ansible-core before 2.19 has no controller mode for module code
        pass
    else:
        monkeypatch.setattr(_internal, "is_controller", False, raising=False)
    clear_module_warnings()

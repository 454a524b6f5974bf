import os

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from ansible_collections.genauth.management.tests.unit.helpers import mocked

# Re-exported so pytest finds the fixture for every unit test.
__all__ = ["mocked"]

# Property-based tests: bounded so `make test` stays fast, no example database (nothing is written to
# .hypothesis), no per-example deadline (runners are shared and slow). HYPOTHESIS_PROFILE=thorough digs deeper.
# Hypothesis caches (constants, Unicode tables) go under the git-ignored .build, not into the checkout.
set_hypothesis_home_dir(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                     ".build", "hypothesis"))
settings.register_profile("ci", max_examples=150, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

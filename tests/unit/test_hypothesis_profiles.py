"""The property-based tests draw the same examples on every run unless asked otherwise, so `make test`, CI and
`ansible-test units` (which passes no environment variable through) cannot fail at random; a local run opts in to a
new random search with HYPOTHESIS_PROFILE=random or thorough (tests/unit/conftest.py)."""

import os

from hypothesis import settings


def test_the_default_profile_is_deterministic():
    ci = settings.get_profile("ci")
    assert ci.derandomize is True and ci.database is None
    if not os.environ.get("HYPOTHESIS_PROFILE"):
        assert settings.default.derandomize is True
        assert settings.default.max_examples == ci.max_examples


def test_the_random_profiles_search_anew_each_run():
    ci = settings.get_profile("ci")
    for name, at_least in (("random", ci.max_examples), ("thorough", 10 * ci.max_examples)):
        profile = settings.get_profile(name)
        assert profile.derandomize is False and profile.database is None
        assert profile.max_examples >= at_least

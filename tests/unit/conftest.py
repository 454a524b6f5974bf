from ansible_collections.genauth.management.tests.unit.helpers import mocked  # noqa: F401  (fixture)

from ansible_collections.genauth.management.tests.unit.helpers import mocked

# Re-exported so pytest finds the fixture for every unit test.
__all__ = ["mocked"]

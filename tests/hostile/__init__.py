"""A hostile fake of the GenAuth Management API, for tests that attack the collection's client (see server.py)."""

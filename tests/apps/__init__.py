"""Apps and helpers for tests that serve kettle apps from a real server process."""

"""Shared by the tests and the benchmarks: a real central service, a throw-away PostgreSQL."""

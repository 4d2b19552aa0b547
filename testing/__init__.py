"""Helpers for the tests (not collected): repository copies, edits, tools."""

"""Tests that need PostgreSQL or Redis: skipped on a machine without them, a failure in CI (FAIL_ON_SKIP=1)."""

import os

import pytest
from django.db import connection


def needs(available: bool, reason: str) -> None:
    if available:
        return
    if os.environ.get("FAIL_ON_SKIP") == "1":
        pytest.fail(f"{reason}; CI must run this test")
    pytest.skip(reason)


def needs_postgresql(reason: str) -> None:
    needs(connection.vendor == "postgresql", reason)

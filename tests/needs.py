"""Tests that need a service the machine may lack (Redis): skipped without it, a failure in CI (FAIL_ON_SKIP=1)."""

import os

import pytest


def needs(available: bool, reason: str) -> None:
    if available:
        return
    if os.environ.get("FAIL_ON_SKIP") == "1":
        pytest.fail(f"{reason}; CI must run this test")
    pytest.skip(reason)

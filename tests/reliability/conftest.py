"""The reliability tier: bad input, CORS attacks, faults and limits (figures in docs/RELIABILITY.md).

Each test, of this tier or of another, adds its figures (cases tried, requests sent, what was lost) through
the `figures` fixture of tests/conftest.py to `.local/reliability/summary.json` (git-ignored); the pytest
processes of one run (xdist's workers) add theirs up (report.add_figures). `make reliability` renders
docs/RELIABILITY.md's figures table from it (tests/reliability/report.py). `make test` writes the
summary, never the doc.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.handlers import ALLOWED_ORIGIN, PROD_ENV, Result

PROBLEM = "application/problem+json"


# % if samples != "none"
@pytest.fixture
def items(dynamodb_table, cold_start) -> Callable[..., dict[str, Any]]:
    """The items function in prod (explicit origin list), with the moto table."""
    return cold_start("items", PROD_ENV)


# % endif
# % if samples == "all"
@pytest.fixture
def users(dynamodb_table, cold_start) -> Callable[..., dict[str, Any]]:
    return cold_start("users", PROD_ENV)


# % endif
def assert_clean_problem(result: Result, status: int | None = None, *, cors: bool = True) -> dict[str, Any]:
    """A problem+json answer: the status, RFC 9457 members, no stack trace, CORS for the allowed origin."""
    if status is not None:
        assert result.status == status, result.body
    assert 400 <= result.status < 600, result.body
    assert result.headers["content-type"] == PROBLEM, result.headers
    problem = result.json()
    assert set(problem) >= {"type", "title", "status", "detail", "instance"}
    assert problem["status"] == result.status
    assert_no_leak(result)
    if cors:
        assert result.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN, result.headers
    return problem


def assert_no_leak(result: Result) -> None:
    for marker in ("Traceback", 'File "', "Error(", "site-packages", "botocore", "api_core/"):
        assert marker not in result.body, result.body

"""`route_checks`: a route's auth checks are FastAPI dependencies only where they can refuse someone."""

from __future__ import annotations

import pytest
from api_core import settings
from api_core.auth import ADMIN, in_group, route_checks
from support.handlers import DEV_ENV, PROD_COGNITO_ENV


def _environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # The settings are read once per process, as on Lambda: another test may have read others.
    for cached in (settings.settings, settings.environment_cors_policy, settings.environment_auth):
        cached.cache_clear()


def test_with_cognito_each_check_is_a_dependency_of_the_route(monkeypatch):
    _environment(monkeypatch, PROD_COGNITO_ENV)
    admin = in_group(ADMIN)

    async def owner(user_id: str) -> None: ...

    checks = route_checks(admin, owner)
    assert [check.dependency for check in checks] == [admin, owner]


def test_with_auth_none_no_check_is_installed(monkeypatch):
    # AUTH=none lets every caller through: a check that decides nothing costs FastAPI's resolver anyway
    _environment(monkeypatch, DEV_ENV)
    assert route_checks(in_group(ADMIN)) == []

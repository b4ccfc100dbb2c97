"""`route_checks`: a route's auth checks are FastAPI dependencies only where they can refuse someone."""

from __future__ import annotations

from api_core.auth import ADMIN, in_group, route_checks
from support.handlers import DEV_ENV, PROD_COGNITO_ENV, use_environment


def test_with_cognito_each_check_is_a_dependency_of_the_route(monkeypatch):
    use_environment(monkeypatch, PROD_COGNITO_ENV)
    admin = in_group(ADMIN)

    async def owner(user_id: str) -> None: ...

    checks = route_checks(admin, owner)
    assert [check.dependency for check in checks] == [admin, owner]


def test_with_auth_none_no_check_is_installed(monkeypatch):
    # AUTH=none lets every caller through: a check that decides nothing costs FastAPI's resolver anyway
    use_environment(monkeypatch, DEV_ENV)
    assert route_checks(in_group(ADMIN)) == []

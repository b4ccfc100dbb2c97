"""FastAPI dependencies for who may call a route: signed in (else 401), in a group (else 403).

The principal is the one API Gateway's authorizer verified (`api_core.identity`), read from the Lambda
event that Mangum hands the app as `request.scope["aws.event"]`. With AUTH=none no check applies and no
principal is read: every caller is let through, as an API without an authorizer does.

The authorizer already refuses a request without a valid token on the routes it covers; these checks
refuse it again in the function, so that a route left out of the authorizer (a template edit, a new
method) fails closed instead of serving anonymous callers. Groups are checked here only: a user pool
authorizer checks the token, not what its bearer may do.

    @app.post("/things", dependencies=route_checks(in_group("admin")))
    async def create_thing(...): ...

    @app.get("/things/{thing_id}")
    async def get_thing(thing_id: str, request: Request, caller: SignedIn):
        if not caller.acts_for(owner_of(thing_id), group="admin"):
            raise refused(request, caller, "owner-or-admin", NotFound(f"no thing with id {thing_id}"))

Every refusal is logged once, with the check that refused it (`refused`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from api_core.errors import Forbidden, Unauthenticated
from api_core.identity import Principal, principal_from_event
from api_core.observability import logger
from api_core.problems import Problem
from api_core.settings import Auth, environment_auth

ADMIN = "admin"  # the group template.yaml creates (AdminGroup): the sample resources' administrators
# The check names of the refusal log line (`auth_check`); a function's own checks add theirs.
SIGNED_IN = "signed-in"
IN_GROUP = "in-group"
SIGN_IN_DETAIL = "sign in: this request needs a valid ID token in the Authorization header"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls, as a route sees it: `principal` is None when nobody signed in or when AUTH=none."""

    principal: Principal | None
    enforced: bool  # AUTH=cognito: the checks apply

    @property
    def sub(self) -> str | None:
        """The signed-in caller's `sub`, or None."""
        return self.principal.sub if self.principal else None

    def acts_for(self, owner: str, *, group: str) -> bool:
        """True if the caller may act on what `owner` (a `sub`) owns: the owner, a member of `group`,
        or anyone when AUTH=none."""
        if not self.enforced:
            return True
        principal = self.principal
        return principal is not None and (principal.sub == owner or principal.in_group(group))


# Each check below is one FastAPI dependency that calls the checks it builds on as plain functions: a
# chain of dependencies (in_group -> signed_in -> the caller) costs the resolver once per link.
def caller_of(request: Request) -> Caller:
    """The caller of this request; no check, no refusal."""
    if environment_auth() is not Auth.COGNITO:
        return Caller(principal=None, enforced=False)
    event = request.scope.get("aws.event")
    principal = principal_from_event(event) if isinstance(event, dict) else None
    return Caller(principal=principal, enforced=True)


def signed_in_caller(request: Request) -> Caller:
    """The caller, if signed in; else raises 401 `urn:problem-type:unauthenticated`."""
    caller = caller_of(request)
    if caller.enforced and caller.principal is None:
        raise refused(request, caller, SIGNED_IN, Unauthenticated(SIGN_IN_DETAIL))
    return caller


async def signed_in(request: Request) -> Caller:
    """The caller, if signed in (a dependency); else 401 `urn:problem-type:unauthenticated`."""
    return signed_in_caller(request)


SignedIn = Annotated[Caller, Depends(signed_in)]
"""A route parameter `caller: SignedIn`: the signed-in caller, or 401 before the route runs."""


def in_group(group: str) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency: the caller, if signed in (else 401) and a member of `group` (else 403
    `urn:problem-type:forbidden`)."""

    async def member(request: Request) -> Caller:
        caller = signed_in_caller(request)
        principal = caller.principal
        if caller.enforced and (principal is None or not principal.in_group(group)):
            detail = f"this request needs membership of the group {group!r}"
            raise refused(request, caller, f"{IN_GROUP}:{group}", Forbidden(detail))
        return caller

    return member


def route_checks(*checks: Callable[..., Awaitable[Caller]]) -> list[Any]:
    """A route's `dependencies=`: these checks (`in_group(ADMIN)`, a function's own), or none with
    AUTH=none, where each of them lets every caller through anyway. Read at import, like every setting:
    FastAPI would resolve a check that decides nothing on every request (docs/PERFORMANCE.md)."""
    if environment_auth() is not Auth.COGNITO:
        return []
    return [Depends(check) for check in checks]


def refused(request: Request, caller: Caller, check: str, error: Problem) -> Problem:
    """Log a refused call with the check that refused it, and return `error` for the route to raise.

    The answer can hide why (a 404 for a record the caller may not see); the log line says it.
    """
    logger.info(
        "access refused",
        extra={
            "auth_check": check,
            "auth_reason": error.detail,
            "status": error.status,
            "sub": caller.sub,
            "method": request.method,
            "path": request.url.path,
        },
    )
    return error

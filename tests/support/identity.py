"""Callers for authorization tests: the events in events/ that carry each one's authorizer claims.

`users-get-one-<caller>` (REST v1) and `users-v2-get-one-<caller>` (HTTP API v2) are one request, a GET of
the owner's profile, as each caller sends it: `signed-in-admin` (groups admin and editors),
`signed-in-owner` (alice, whose profile it is), `signed-in-other-user` (bob) and `no-claims` (a token in
the Authorization header that no authorizer verified). Tests point them at other routes with `as_caller`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ADMIN_SUB = "8c1f0e2a-6b3d-4f5e-9a7b-2c4d6e8f0a13"
OWNER_SUB = "5f2b8a1e-3c4d-4e6f-9a0b-1c2d3e4f5a6b"  # alice
OTHER_SUB = "d3e9c7b5-a1f2-4d6e-8b0c-9e7f5a3c1b24"  # bob
EMAILS = {ADMIN_SUB: "admin@example.com", OWNER_SUB: "alice@example.com", OTHER_SUB: "bob@example.com"}

CALLERS = ("no-claims", "signed-in-owner", "signed-in-other-user", "signed-in-admin")
SUBS = {"signed-in-admin": ADMIN_SUB, "signed-in-owner": OWNER_SUB, "signed-in-other-user": OTHER_SUB}
FORMATS = ("v1", "v2")
MERGE_PATCH = "application/merge-patch+json"


def event_name(caller: str, fmt: str = "v1") -> str:
    """The events/ name of `caller`'s request in REST v1 or HTTP API v2 format."""
    return f"users-get-one-{caller}" if fmt == "v1" else f"users-v2-get-one-{caller}"


def as_caller(
    load_event: Callable[..., dict[str, Any]],
    caller: str,
    method: str,
    path: str,
    *,
    fmt: str = "v1",
    body: dict[str, Any] | None = None,
    headers: dict[str, Any] | None = None,
    query: dict[str, str | list[str]] | None = None,
) -> dict[str, Any]:
    """`caller`'s event, sent as `method path` with a JSON body (merge patch for PATCH)."""
    all_headers: dict[str, Any] = {}
    if body is not None:
        all_headers["Content-Type"] = MERGE_PATCH if method == "PATCH" else "application/json"
    all_headers.update(headers or {})
    return load_event(
        event_name(caller, fmt), method=method, path=path, body=body, headers=all_headers, query=query
    )


def claims_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The authorizer claims an event carries (v1 or v2), or None."""
    authorizer = event["requestContext"].get("authorizer") or {}
    if event.get("version") == "2.0":
        return (authorizer.get("jwt") or {}).get("claims")
    return authorizer.get("claims")

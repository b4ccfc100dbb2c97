"""Who is calling: the principal that API Gateway's authorizer verified, read from the event. Pure.

Identity comes only from the part of the event that API Gateway writes after its authorizer has checked
the token: `requestContext.authorizer.claims` (REST API, Cognito user pool authorizer) or
`requestContext.authorizer.jwt.claims` (HTTP API, JWT authorizer). Headers, the query string and the body
are the client's to write, so nothing here reads them: a client that sends `sub` or `cognito:groups`
there names no one.

This module decides nothing: `api_core.auth` turns a principal, or its absence, into 401 and 403 answers,
and each function's routes decide what a principal may do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GROUPS_CLAIM = "cognito:groups"
_GROUP_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in caller: the user pool's `sub` (stable, unique), the `email` claim, and the groups."""

    sub: str
    email: str | None = None
    groups: frozenset[str] = frozenset()

    def in_group(self, group: str) -> bool:
        """True if the caller is a member of `group` (the user pool's group name, case-sensitive)."""
        return group in self.groups


def principal_from_event(event: Mapping[str, Any]) -> Principal | None:
    """The principal the authorizer put in a Lambda proxy event (REST v1 or HTTP API v2), or None.

    None when the event has no authorizer claims, or claims without a usable `sub`: the route was not
    behind an authorizer, or the authorizer is not a user pool's.
    """
    claims = authorizer_claims(event)
    if claims is None:
        return None
    sub = _text(claims.get("sub"))
    if not sub:
        return None
    groups = parse_groups(claims.get(GROUPS_CLAIM))
    return Principal(sub=sub, email=_text(claims.get("email")) or None, groups=groups)


def authorizer_claims(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The token's claims as the event's authorizer section holds them, or None."""
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    if not isinstance(authorizer, Mapping):
        return None
    if event.get("version") == "2.0":
        jwt = authorizer.get("jwt")
        claims = jwt.get("claims") if isinstance(jwt, Mapping) else None
    else:
        claims = authorizer.get("claims")
    return claims if isinstance(claims, Mapping) else None


def parse_groups(value: Any) -> frozenset[str]:
    """The group names of a `cognito:groups` claim, in any of the forms API Gateway passes it.

    - a list, as in the token itself (`["admin", "editors"]`);
    - comma-separated, as a REST API's Cognito authorizer renders it (`"admin,editors"`);
    - bracketed and space-separated, as an HTTP API's JWT authorizer renders it (`"[admin editors]"`).

    Cognito group names cannot contain whitespace; a name with a comma would be split (avoid them).
    """
    if isinstance(value, list):
        return frozenset(name for item in value if (name := _text(item)))
    text = _text(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return frozenset(name for name in _GROUP_SEPARATORS.split(text) if name)


def _text(value: Any) -> str:
    # Claims are strings as API Gateway passes them; anything else counts as absent. No stripping: a
    # `sub` of " x" is not the user "x".
    return value if isinstance(value, str) else ""

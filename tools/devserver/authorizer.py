"""make dev's Cognito user pool authorizer: verifies an ID token as API Gateway's does, and gives its
claims as API Gateway puts them into a REST (v1) event.

A token passes when its RS256 signature verifies against one of the pool's keys (its JWKS), `iss` is the
pool's issuer, `aud` is the app client's id, `token_use` is "id" and `exp` is in the future. The
Authorization header holds the raw token, as AWS documents it for a user pool authorizer ("include the
token in the Authorization header"): anything else, `Bearer <token>` included, is not a token and gets
the 401. Accepting more here than the deployed authorizer is documented to accept would let a client
work locally and fail once deployed.

This module runs in its own process with the project's environment (joserfc, pinned in uv.lock), because
`make dev` itself runs with SAM CLI's tool environment, which is SAM CLI's own to pin:
    python -P authorizer.py <issuer> <client id> <jwks url>
with the moto guard's key in DEV_DYNAMODB_ACCESS_KEY_ID (the pool's keys are read through the guard).
One JSON line each way per token: {"token": "..."} -> {"claims": {...}} or {"rejected": "<why>"}.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from collections.abc import Mapping
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["RS256"]  # what Cognito signs with
# Dates as API Gateway writes `iat` and `exp` into the claims (Java's Date.toString, in UTC).
API_GATEWAY_DATE = "%a %b %d %H:%M:%S UTC %Y"
DATE_CLAIMS = ("iat", "exp")


class TokenRejected(Exception):
    """The token does not pass; the message says why (for make dev's log, never for the client)."""


def verify_id_token(
    token: str, *, jwks: Mapping[str, Any], issuer: str, audience: str, now: float | None = None
) -> dict[str, Any]:
    """The claims of a valid ID token of this pool and client; raises TokenRejected otherwise."""
    if not token or token.count(".") != 2 or " " in token:
        raise TokenRejected("the Authorization header is not a raw JWT")
    try:
        decoded = jwt.decode(token, KeySet.import_key_set(dict(jwks)), algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            now=int(now if now is not None else time.time()),
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            token_use={"essential": True, "value": "id"},
            exp={"essential": True},
            sub={"essential": True},
        )
        registry.validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise TokenRejected(f"{type(error).__name__}: {error}") from None
    return decoded.claims


def api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as a REST API's Cognito authorizer passes them: every value a string, `iat` and
    `exp` as dates, `cognito:groups` comma-separated."""
    rendered = {}
    for name, value in claims.items():
        if name in DATE_CLAIMS and isinstance(value, int | float):
            rendered[name] = time.strftime(API_GATEWAY_DATE, time.gmtime(value))
        elif isinstance(value, list):
            rendered[name] = ",".join(str(item) for item in value)
        elif isinstance(value, bool):
            rendered[name] = "true" if value else "false"
        else:
            rendered[name] = str(value)
    return rendered


def fetch_jwks(url: str, access_key_id: str) -> dict[str, Any]:
    """The pool's keys from moto, through its guard (which serves only requests with this run's key)."""
    credential = f"AWS4-HMAC-SHA256 Credential={access_key_id}/local/us-east-1/cognito-idp/aws4_request"
    # moto on loopback: the URL is make dev's own.
    request = urllib.request.Request(url, headers={"Authorization": credential})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def main() -> None:
    issuer, audience, jwks_url = sys.argv[1:4]
    access_key_id = os.environ["DEV_DYNAMODB_ACCESS_KEY_ID"]
    jwks = fetch_jwks(jwks_url, access_key_id)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        token = json.loads(line).get("token") or ""
        try:
            claims = verify_id_token(token, jwks=jwks, issuer=issuer, audience=audience)
            reply: dict[str, Any] = {"claims": api_gateway_claims(claims)}
        except TokenRejected as error:
            reply = {"rejected": str(error)}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()

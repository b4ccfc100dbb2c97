"""`make token USER=alice@example.com`: a seeded user's ID token on stdout, and nothing else there.

It signs in as the demo page does: Cognito's InitiateAuth (USER_PASSWORD_AUTH) through the running
`make dev`'s demo server (`POST /cognito`), with the app client id from its `/config.json`. So it needs
`make dev ARGS='--parameter-overrides "Auth=cognito"'` running. Errors go to stderr, with exit code 1.
Standard library only.

    python -m tools.devserver.idtoken alice@example.com [--demo-port 5173] [--password ...]
    curl -H "Authorization: $(make -s token USER=alice@example.com)" http://127.0.0.1:3000/api/v1/users
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from tools.devserver import demo_users

START = """start it with: make dev ARGS='--parameter-overrides "Auth=cognito"'"""


class TokenError(Exception):
    pass


def id_token(user: str, password: str, demo_port: int) -> str:
    base = f"http://localhost:{demo_port}"
    try:
        with urllib.request.urlopen(f"{base}/config.json", timeout=10) as response:  # noqa: S310
            config = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        raise TokenError(f"make dev is not running (nothing answers on {base}); {START}") from None
    if config.get("auth") != "cognito":
        raise TokenError(f"make dev runs without sign-in (Auth=none); {START}")
    body = {
        "ClientId": config["clientId"],
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": user, "PASSWORD": password},
    }
    request = urllib.request.Request(  # noqa: S310
        base + config["cognitoEndpoint"],
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            reply: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = _message(error.read())
        raise TokenError(f"{user} cannot sign in: {detail}") from None
    result = reply.get("AuthenticationResult") or {}
    if "IdToken" not in result:
        raise TokenError(f"{user} cannot sign in: Cognito asks for {reply.get('ChallengeName', 'more')}")
    return result["IdToken"]


def _message(payload: bytes) -> str:
    try:
        error = json.loads(payload)
        return f"{error.get('__type', 'error')}: {error.get('message', '')}".rstrip(": ")
    except ValueError:
        return payload.decode(errors="replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make token", description=__doc__.splitlines()[0])
    parser.add_argument("user", nargs="?", default="", help=f"one of {', '.join(demo_users.USERS)}")
    parser.add_argument("--password", default=demo_users.PASSWORD)
    parser.add_argument("--demo-port", type=int, default=5173)
    args = parser.parse_args(argv)
    if "@" not in args.user:
        seeded = ", ".join(demo_users.USERS)
        print(f"make token: USER must be a user's email, one of: {seeded}", file=sys.stderr)
        return 1
    try:
        print(id_token(args.user, args.password, args.demo_port))
    except TokenError as error:
        print(f"make token: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""`make smoke`: run tests/smoke against a running API, given its base URL or its stack's name.

    make smoke API_URL=https://abc123.execute-api.eu-west-1.amazonaws.com/dev [ALLOWED_ORIGINS=..] [AUTH=..]
    make smoke STACK=serverless-rest-api-dev   # ApiBaseUrl, AllowedOrigins, Auth, Stage from the stack

With STACK, the stack's outputs and parameters come from CloudFormation (AWS credentials and region from
the environment, as the AWS CLI reads them). With API_URL, ALLOWED_ORIGINS says what the API allows (not
given: dev reflection) and AUTH=cognito that writes need a token. An admin's ID token for those writes is
read from SMOKE_ID_TOKEN, never from the command line. Before any check, the URL must answer within
REACH_TIMEOUT seconds, so that a wrong or unreachable URL fails at once, naming the URL.

Exit status: pytest's (0 all passed), 2 for a usage error, 3 when the URL or stack cannot be used.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "smoke"
OUTPUT = "ApiBaseUrl"
REACH_TIMEOUT = 5.0
USAGE = (
    "make smoke needs the API to check: make smoke API_URL=<base URL> (e.g. "
    "https://<api-id>.execute-api.<region>.amazonaws.com/<stage>, or http://127.0.0.1:3000 for make dev), "
    "or make smoke STACK=<stack name> to read the stack's ApiBaseUrl output (needs AWS credentials)."
)


class Unusable(Exception):
    """The URL or the stack cannot be smoke-tested; the message says why and names it."""


@dataclass(frozen=True)
class Target:
    url: str
    allowed_origins: str | None  # None: not known, treated as dev reflection
    auth: str
    stage: str | None
    admin_origins: str | None = None  # the admin CORS tier's (AdminOrigins); None: not known, as empty


def from_stack(name: str, cloudformation: Any = None) -> Target:
    """The API's URL and settings from a deployed stack: its ApiBaseUrl output and its parameters."""
    client = cloudformation or boto3.client("cloudformation")
    try:
        stacks = client.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise Unusable(f"cannot read stack {name!r} in {client.meta.region_name}: {message}") from error
    except BotoCoreError as error:
        raise Unusable(f"cannot read stack {name!r}: {error}") from error
    stack = stacks[0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    if OUTPUT not in outputs:
        listed = ", ".join(sorted(outputs)) or "none"
        raise Unusable(
            f"stack {name!r} has no {OUTPUT} output (its outputs: {listed}); "
            "is it a stack of this template, and did its last deploy complete?"
        )
    params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    cognito = params.get("Auth") == "cognito" or bool(params.get("CognitoUserPoolArn"))
    return Target(
        url=outputs[OUTPUT],
        allowed_origins=params.get("AllowedOrigins", ""),
        auth="cognito" if cognito else "none",
        stage=params.get("Stage"),
        admin_origins=params.get("AdminOrigins", ""),
    )


def check_url(url: str) -> str:
    """The base URL without a trailing slash; Unusable unless it is an http(s) URL that answers."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Unusable(f"{url!r} is not an http(s) URL: give the API's base URL, e.g. its stack's {OUTPUT}")
    base = url.rstrip("/")
    probe = f"{base}/api/v1/health"
    try:
        with urllib.request.urlopen(probe, timeout=REACH_TIMEOUT):  # noqa: S310 - the scheme is checked above
            pass
    except urllib.error.HTTPError:
        pass  # it answered: what it answered is the suite's to judge
    except OSError as error:  # URLError, timeouts and refused connections are all OSErrors
        reason = getattr(error, "reason", error)
        raise Unusable(f"cannot reach {base} (GET {probe}, {REACH_TIMEOUT:g} s): {reason}") from error
    return base


def pytest_argv(target: Target, extra: list[str]) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "pytest",
        str(SUITE),
        # Only this folder's conftest: the suite needs none of the offline tiers' fixtures.
        "--confcutdir",
        str(SUITE),
        "-p",
        "no:cacheprovider",
        "--api-url",
        target.url,
        "--auth",
        target.auth,
    ]
    if target.allowed_origins:
        argv += ["--allowed-origins", target.allowed_origins]
    if target.admin_origins:
        argv += ["--admin-origins", target.admin_origins]
    if target.stage:
        argv += ["--stage", target.stage]
    return argv + extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the smoke suite against a running API.", epilog=USAGE)
    parser.add_argument("--api-url")
    parser.add_argument("--stack")
    parser.add_argument("--allowed-origins", help="with --api-url: the API's AllowedOrigins")
    parser.add_argument("--admin-origins", help="with --api-url: the API's AdminOrigins (the admin tier)")
    parser.add_argument("--auth", choices=("none", "cognito"), help="with --api-url: the API's Auth")
    args, extra = parser.parse_known_args(argv)
    if bool(args.api_url) == bool(args.stack):
        print(USAGE if not args.api_url else "give API_URL or STACK, not both.\n" + USAGE, file=sys.stderr)
        return 2
    try:
        if args.stack:
            target = from_stack(args.stack)
        else:
            target = Target(args.api_url, args.allowed_origins, args.auth or "none", None, args.admin_origins)
        target = dataclasses.replace(target, url=check_url(target.url))
    except Unusable as error:
        print(f"make smoke: {error}", file=sys.stderr)
        return 3
    origins = target.allowed_origins or "dev reflection (any origin)"
    print(f"smoke: {target.url}  origins: {origins}  auth: {target.auth}", flush=True)
    return subprocess.call(pytest_argv(target, extra), cwd=ROOT, env=os.environ)  # noqa: S603 - our argv


if __name__ == "__main__":
    sys.exit(main())

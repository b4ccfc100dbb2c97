"""The smoke suite, green against `make dev` on every commit: run as CI runs it after a deploy, with
`make smoke STACK=...`, the stack's outputs served by moto and its ApiBaseUrl pointing at make dev.

One make dev for the suite (an allow-list, as prod has); a second with Auth=cognito, where the whole
suite runs again with a seeded admin's token (`make token`), as against a prod that signs in. Checks that
need API Gateway behaviour a make dev lacks skip with a reason naming the branch that adds it (they
decide by probing).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from support.devserver import DevServer, request, start_devserver
from support.paths import ROOT

from tools.devserver.ports import free_port

pytestmark = pytest.mark.devserver

ORIGIN = "https://app.smoke.test"
STACK = "serverless-rest-api-smoke"


def _make_smoke(*variables: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "smoke", *variables],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _smoke_items(server: DevServer) -> list[dict]:
    reply = request(f"{server.url}/api/v1/items?search=smoke-test&per_page=100")
    assert reply.status == 200, reply.body
    return json.loads(reply.body)["items"]


def _summary(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def dev(tmp_path_factory) -> Iterator[DevServer]:
    server = start_devserver(
        tmp_path_factory.mktemp("smoke-dev"), "--parameter-overrides", f"AllowedOrigins={ORIGIN}"
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack_outputs(dev) -> Iterator[dict[str, str]]:
    """GIVEN a stack in moto's CloudFormation whose ApiBaseUrl is make dev's URL: the environment that
    sends `make smoke`'s AWS calls there."""
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    params = {"Stage": "dev", "AllowedOrigins": ORIGIN, "CognitoUserPoolArn": ""}
    template = {
        "Parameters": {key: {"Type": "String", "Default": ""} for key in params},
        "Resources": {"Nothing": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {"ApiBaseUrl": {"Value": dev.url}},
    }
    boto3.client(
        "cloudformation",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
    )
    yield env
    moto.stop()


def test_the_suite_passes_against_make_dev_given_a_stack_name(dev, stack_outputs):
    # WHEN CI's command runs, with only the stack's name
    result = _make_smoke(f"STACK={STACK}", "ARGS=--target make-dev -rs", env=stack_outputs)
    # THEN it found make dev through the stack's output and parameters, and every check passed or
    # skipped for a reason that names what is missing
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"smoke: {dev.url}  origins: {ORIGIN}  auth: none" in result.stdout
    summary = _summary(result)
    assert "failed" not in summary, output
    assert "error" not in summary, output
    assert int(re.search(r"(\d+) passed", summary).group(1)) >= 6, output
    for reason in re.findall(r"^SKIPPED \[\d+\] [^:]+:\d+: (.*)$", result.stdout, re.MULTILINE):
        assert "w-iddev" in reason or "Auth=none" in reason, reason
    # AND it left nothing behind in the table
    assert _smoke_items(dev) == []


def test_what_a_failed_check_created_is_deleted_all_the_same(dev):
    # GIVEN a round trip that fails after its create (every read of one item answers 500)
    result = _make_smoke(
        f"API_URL={dev.url}",
        f"ALLOWED_ORIGINS={ORIGIN}",
        "ARGS=--target make-dev -k if_match_delete -p smoke_breaker",
        env={"PYTHONPATH": str(ROOT / "tests" / "delivery")},
    )
    # THEN the run fails at that check, naming the request and what came back
    assert result.returncode != 0
    assert "1 failed" in _summary(result), result.stdout
    assert "broken on purpose by smoke_breaker" in result.stdout
    assert re.search(r"GET http://127\.0\.0\.1:\d+/api/v1/items/[0-9a-f-]{36} -> 500", result.stdout)
    # AND the item it created was deleted by the clean-up, which itself passed
    assert "smoke records left behind" not in result.stdout
    assert _smoke_items(dev) == []


@pytest.fixture(scope="module")
def dev_with_cognito(tmp_path_factory) -> Iterator[DevServer]:
    server = start_devserver(
        tmp_path_factory.mktemp("smoke-dev-cognito"),
        "--parameter-overrides",
        f"AllowedOrigins={ORIGIN} Auth=cognito",
    )
    yield server
    server.stop()


def test_the_suite_passes_against_make_dev_with_auth_cognito_and_an_admins_token(dev_with_cognito):
    # GIVEN make dev with Auth=cognito, if it enforces the authorizer: an empty body, so that a make dev
    # without one answers 422 from the function and writes nothing
    probe = request(
        f"{dev_with_cognito.url}/api/v1/items",
        "POST",
        {"Content-Type": "application/json", "Origin": ORIGIN},
        b"{}",
    )
    if probe.status != 401:
        pytest.skip(
            f"make dev here does not enforce Auth=cognito ({probe.status}): w-iddev adds its authorizer"
        )
    token = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-s",
            "token",
            "USER=admin@example.com",
            f"DEMO_PORT={dev_with_cognito.demo_port}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    # WHEN the whole suite runs with an admin's ID token for its writes, as a deployed prod's would
    result = _make_smoke(
        f"API_URL={dev_with_cognito.url}",
        f"ALLOWED_ORIGINS={ORIGIN}",
        "AUTH=cognito",
        "ARGS=--target make-dev -rs",
        env={"SMOKE_ID_TOKEN": token},
    )
    # THEN every check ran and passed: the round trip through the authorizer, the 401 without a token,
    # API Gateway's 403 with its CORS headers
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(r"=+ 8 passed in [\d.]+s =+", _summary(result)), result.stdout
    assert _smoke_items(dev_with_cognito) == []

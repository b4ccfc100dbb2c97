"""`make smoke` before any check runs: what it needs, what a stack must have, an unreachable URL; and the
suite's clean-up of what earlier runs left behind."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws
from smoke.client import Reply
from smoke.conftest import DESCRIPTION, Records, Smoke
from support.paths import ROOT
from support.template import load_template

from tools import smoke as runner


def make_smoke(*variables: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "smoke", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_without_a_url_or_stack_it_says_what_it_needs():
    result = make_smoke()
    assert result.returncode != 0
    assert "make smoke API_URL=<base URL>" in result.stderr
    assert "make smoke STACK=<stack name>" in result.stderr


def test_both_a_url_and_a_stack_is_refused():
    result = make_smoke("API_URL=http://127.0.0.1:9", "STACK=serverless-rest-api-dev")
    assert result.returncode != 0
    assert "not both" in result.stderr


def test_a_url_that_is_not_http_is_named():
    result = make_smoke("API_URL=ftp://example.com/dev")
    assert result.returncode != 0
    assert "'ftp://example.com/dev' is not an http(s) URL" in result.stderr


def test_a_refused_connection_fails_at_once_naming_the_url():
    with socket.socket() as sock:  # a port nothing listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/dev"
        started = time.monotonic()
        result = make_smoke(f"API_URL={url}")
    assert result.returncode != 0
    assert f"cannot reach {url}" in result.stderr
    assert "collected" not in result.stdout  # no check ran
    assert time.monotonic() - started < 20


def test_a_url_that_never_answers_fails_within_its_timeout_naming_the_url(monkeypatch):
    # Accepts the connection (the kernel's backlog) and never says a word: a black hole, like a wrong
    # private address behind a firewall. A shorter timeout than make smoke's 5 s, to keep the tier quick.
    monkeypatch.setattr(runner, "REACH_TIMEOUT", 1.0)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(runner.Unusable, match=rf"cannot reach {url} \(GET {url}/api/v1/health, 1 s\)"):
            runner.check_url(url)
    assert time.monotonic() - started < 3


@pytest.fixture
def cloudformation() -> Iterator[object]:
    with mock_aws():
        yield boto3.client("cloudformation", region_name="eu-west-1")


def _stack(client: object, name: str, outputs: dict[str, str], params: dict[str, str]) -> None:
    template = {
        "Parameters": {key: {"Type": "String", "Default": ""} for key in params},
        "Resources": {"Nothing": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    client.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
    )


def test_a_stack_gives_its_url_and_the_settings_the_checks_depend_on(cloudformation):
    url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    _stack(
        cloudformation,
        "serverless-rest-api-prod",
        {"ApiBaseUrl": url, "TableName": "t"},
        {
            "Stage": "prod",
            "AllowedOrigins": "https://app.example.com",
            "AdminOrigins": "https://admin.example.com",
            "CognitoUserPoolArn": "",
        },
    )
    target = runner.from_stack("serverless-rest-api-prod", cloudformation)
    assert target == runner.Target(
        url, "https://app.example.com", "none", "prod", admin_origins="https://admin.example.com"
    )


def test_a_stack_with_a_user_pool_is_checked_for_its_401(cloudformation):
    arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Abc"
    _stack(cloudformation, "with-pool", {"ApiBaseUrl": "https://x/dev"}, {"CognitoUserPoolArn": arn})
    assert runner.from_stack("with-pool", cloudformation).auth == "cognito"
    _stack(cloudformation, "with-auth", {"ApiBaseUrl": "https://x/dev"}, {"Auth": "cognito"})
    assert runner.from_stack("with-auth", cloudformation).auth == "cognito"


def test_a_stack_without_the_output_is_named_with_the_outputs_it_has(cloudformation):
    _stack(cloudformation, "some-other-stack", {"BucketName": "b"}, {})
    with pytest.raises(runner.Unusable) as refused:
        runner.from_stack("some-other-stack", cloudformation)
    assert str(refused.value).startswith(
        "stack 'some-other-stack' has no ApiBaseUrl output (its outputs: BucketName)"
    )


def test_a_missing_stack_is_named_with_the_region(cloudformation):
    with pytest.raises(runner.Unusable, match=r"cannot read stack 'nope' in eu-west-1: .*nope"):
        runner.from_stack("nope", cloudformation)


def test_the_runner_reads_what_the_template_declares():
    template = load_template()
    assert runner.OUTPUT in template["Outputs"]
    # The settings the checks depend on are the template's parameters (Auth comes with issue 13).
    assert {"Stage", "AllowedOrigins", "CognitoUserPoolArn"} <= template["Parameters"].keys()


class _FakeApi:
    """An Api that answers a listing and records the deletes it is asked for."""

    def __init__(self, items: list[dict]) -> None:
        self.items, self.deleted = items, []

    def request(self, method: str, path: str, **_: object) -> Reply:
        if method == "GET":
            return Reply(method, path, 200, {}, json.dumps({"items": self.items}).encode())
        self.deleted.append(path.rsplit("/", 1)[1])
        return Reply(method, path, 204, {}, b"")


def test_leftovers_deleted_are_old_records_with_both_marks_only():
    old = (datetime.now(UTC) - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    new = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    mine = {"name": "smoke-test 0123456789ab page 1", "description": DESCRIPTION}
    api = _FakeApi(
        [
            {"id": "old-own", "created_at": old, **mine},
            {"id": "recent-own", "created_at": new, **mine},  # perhaps a run in progress
            {
                "id": "user-named",
                "created_at": old,
                "name": "smoke-test of the new lamp",
                "description": None,
            },
            {"id": "other-text", "created_at": old, "name": mine["name"], "description": "a real item"},
        ]
    )
    smoke = Smoke("http://api", (), (), "none", None, "deployed", None)
    assert Records(api, smoke).delete_leftovers() == []
    assert api.deleted == ["old-own"]

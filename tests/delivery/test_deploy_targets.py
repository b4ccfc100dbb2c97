"""The make targets the workflows deploy with, run for real against moto's server: the flags reach SAM,
the artifacts land under the stack's prefix (the one its role may write), and a preview stack goes away
with its artifacts. moto cannot execute this template's change set (its condition functions), so the
deploy stops at the change set (`ARGS=--no-execute-changeset`): what SAM sends is what is checked."""

from __future__ import annotations

import ast
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from support.paths import ROOT

from tools.devserver.ports import free_port

BUCKET = "ci-artifacts"
PREVIEW = "serverless-rest-api-pr-7"


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    """GIVEN moto's server with the bootstrap's artifact bucket, and the environment that calls it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # `localhost`: moto reads a template URL as path-style only on that host (FACTS.md).
    env = {
        "AWS_ENDPOINT_URL": f"http://localhost:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
    }
    clients = {
        name: boto3.client(
            name,
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for name in ("s3", "cloudformation", "iam")
    }
    clients["s3"].create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield {"env": env, **clients}
    server.stop()


def _make(target: str, *variables: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", target, *variables],
        cwd=ROOT,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _keys(s3: Any) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_preview_is_deployed_from_the_build_then_deleted_with_its_artifacts(aws):
    if not (ROOT / ".aws-sam" / "build" / "template.yaml").exists():
        pytest.skip("needs make build's output: make test builds it before the tests")
    # WHEN the preview workflow's deploy runs (the build is make test's own)
    deployed = _make(
        "deploy-built",
        f"STACK={PREVIEW}",
        f"SAM_ARTIFACT_BUCKET={BUCKET}",
        "PARAMETER_OVERRIDES=Stage=dev ApiGatewayLoggingRole=existing",
        "ARGS=--no-execute-changeset",
        env=aws["env"],
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    # THEN every artifact is under the stack's own prefix, and the change set has the overrides
    keys = _keys(aws["s3"])
    assert keys
    assert all(key.startswith(f"{PREVIEW}/") for key in keys), keys
    (summary,) = aws["cloudformation"].list_change_sets(StackName=PREVIEW)["Summaries"]
    change_set = aws["cloudformation"].describe_change_set(ChangeSetName=summary["ChangeSetId"])
    params = {p["ParameterKey"]: p["ParameterValue"] for p in change_set["Parameters"]}
    assert params["Stage"] == "dev"
    assert params["ApiGatewayLoggingRole"] == "existing"

    # WHEN the pull request closes
    deleted = _make("delete-stack", f"STACK={PREVIEW}", f"SAM_ARTIFACT_BUCKET={BUCKET}", env=aws["env"])
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    # THEN the stack and its artifacts are gone
    assert _keys(aws["s3"]) == []
    stacks = aws["cloudformation"].list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks if s["StackName"] == PREVIEW] in ([], ["DELETE_COMPLETE"])


def test_a_prod_deploy_checks_the_origins_first_and_never_prompts():
    plan = subprocess.run(
        ["make", "--no-print-directory", "-n", "deploy-built", "CONFIG_ENV=prod"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    check = plan.index("tools/check-prod-origins.py")
    deploy = plan.index(
        "deploy --config-env prod --no-confirm-changeset --stack-name serverless-rest-api-prod "
    )
    assert check < deploy


def test_delete_stack_needs_a_stack_name():
    result = _make("delete-stack", "STACK=", env={})
    assert result.returncode != 0
    assert "make delete-stack needs STACK=<stack name>" in result.stderr


def test_bootstrap_ci_needs_the_repository():
    result = _make("bootstrap-ci", "GITHUB_REPOSITORY=not a repository", env={})
    assert result.returncode != 0
    assert "make bootstrap-ci GITHUB_REPOSITORY=owner/name" in result.stderr


# moto's CloudFormation has no AWS::S3::BucketPolicy nor AWS::IAM::OIDCProvider (it warns and skips
# them); test_bootstrap.py reads both from the template.
@pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")
def test_bootstrap_ci_creates_one_role_per_environment_of_the_repository(aws):
    # GIVEN an account that already has GitHub's provider (moto's CloudFormation cannot create one)
    provider = aws["iam"].create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com", ClientIDList=["sts.amazonaws.com"]
    )["OpenIDConnectProviderArn"]
    # WHEN the bootstrap runs; ci/samconfig.toml asks a person to confirm, and nobody is here to answer
    result = _make(
        "bootstrap-ci",
        "GITHUB_REPOSITORY=octo-org/orders-api",
        f"OIDC_PROVIDER_ARN={provider}",
        "ARGS=--no-confirm-changeset",
        env=aws["env"],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (stack,) = aws["cloudformation"].describe_stacks(StackName="serverless-rest-api-ci")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    # THEN each role trusts that provider, for one environment of that repository, and may change
    # its own stacks (moto computes no outputs for a stack made through a change set: roles by name)
    roles = {r["RoleName"]: r for r in aws["iam"].list_roles()["Roles"]}
    for logical, stage, stacks in (
        ("DevDeployRole", "dev", "dev"),
        ("ProdDeployRole", "prod", "prod"),
        ("PreviewDeployRole", "preview", "pr-*"),
    ):
        (name,) = [n for n in roles if f"-{logical}-" in n]
        (statement,) = roles[name]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Federated": provider}
        assert statement["Condition"]["StringEquals"] == {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": f"repo:octo-org/orders-api:environment:{stage}",
        }
        (policy,) = aws["iam"].list_role_policies(RoleName=name)["PolicyNames"]
        document = aws["iam"].get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        # moto's CloudFormation stores an inline policy as the repr of the dict it was given.
        document = ast.literal_eval(document) if isinstance(document, str) else document
        (own,) = [s["Resource"] for s in document["Statement"] if s["Sid"] == "TheStack"]
        assert own == f"arn:aws:cloudformation:eu-west-1:123456789012:stack/serverless-rest-api-{stacks}/*"

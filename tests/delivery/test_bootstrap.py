"""ci/bootstrap.yaml: the GitHub OIDC provider, one deploy role per stage, the artifact bucket.

Offline, so: cfn-lint, and the rules of least privilege checked on the template itself (moto creates
the stack through `make bootstrap-ci` in test_deploy_targets.py). The permissions each role needs are
derived from the CloudFormation resource schemas cfn-lint ships (each resource type's handlers list the
calls they make) for every resource the application's template creates. Whether AWS accepts each call, and
that aws:CalledVia holds for CloudFormation's calls, only a real deploy shows.
"""

from __future__ import annotations

import functools
import glob
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cfnlint
import pytest
from support.cfn import translate
from support.paths import ROOT
from support.template import load_template, parse_template

BOOTSTRAP = ROOT / "ci" / "bootstrap.yaml"
STAGES = {"DevDeployRole": "dev", "ProdDeployRole": "prod", "PreviewDeployRole": "preview"}
# Each role's stacks: <ProjectName>-<suffix> (previews: one per pull request).
STACK_SUFFIX = {"dev": "dev", "prod": "prod", "preview": "pr-*"}
THROUGH_CLOUDFORMATION = {"ForAnyValue:StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}}
# Actions IAM cannot scope to a resource (no ARN exists for them, or not yet): the only ones on "*".
UNSCOPABLE = {
    "cloudformation:ValidateTemplate",
    "cloudformation:GetTemplateSummary",
    "cognito-idp:CreateUserPool",
    "kms:CreateKey",
    "logs:DescribeResourcePolicies",
}
IDENTITY_TYPES = frozenset(
    {"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup"}
)
# Calls a resource's handlers may make that the template never needs, by the property that needs them.
NOT_USED = {
    "ec2:": "Function VpcConfig",
    "elasticfilesystem:": "Function FileSystemConfigs",
    "s3files:": "Function FileSystemConfigs",
    # The alarm topic's own key (AWS::KMS::Key) is granted; no other resource uses a customer-managed key.
    "kms:@not-a-key": "customer-managed keys of the table, functions and user pool (AWS-owned encryption)",
    "kinesis:": "Table KinesisStreamSpecification",
    "firehose:": "LogGroup delivery to Firehose",
    "s3:REST.PUT.OBJECT": "LogGroup delivery to S3",
    "s3:GetObjectMetadata": "Table ImportSourceSpecification",
    "logs:CreateLogStream": "Table ImportSourceSpecification (import logs)",
    "logs:DescribeLogStreams": "Table ImportSourceSpecification (import logs)",
    "logs:PutLogEvents": "Table ImportSourceSpecification (import logs)",
    "dynamodb:ImportTable": "Table ImportSourceSpecification",
    "dynamodb:DescribeImport": "Table ImportSourceSpecification",
    "dynamodb:BatchWriteItem": "Table ImportSourceSpecification (the deploy never touches items)",
    "dynamodb:PutItem": "Table ImportSourceSpecification (the deploy never touches items)",
    "dynamodb:UpdateItem": "Table ImportSourceSpecification (the deploy never touches items)",
    "dynamodb:DeleteItem": "Table ImportSourceSpecification (the deploy never touches items)",
    "dynamodb:GetItem": "Table ImportSourceSpecification (the deploy never touches items)",
    "dynamodb:Query": "Table ImportSourceSpecification (the deploy never touches items)",
    "dynamodb:Scan": "Table ImportSourceSpecification (the deploy never touches items)",
    "dynamodb:AssociateTableReplica": "global tables",
    "dynamodb:CreateTableReplica": "global tables",
    "dynamodb:EnableKinesisStreamingDestination": "Table KinesisStreamSpecification",
    "dynamodb:DisableKinesisStreamingDestination": "Table KinesisStreamSpecification",
    "dynamodb:UpdateKinesisStreamingDestination": "Table KinesisStreamSpecification",
    "dynamodb:UpdateContributorInsights": "Table ContributorInsightsSpecification",
    "dynamodb:PutResourcePolicy": "Table ResourcePolicy",
    "dynamodb:DeleteResourcePolicy": "Table ResourcePolicy",
    "iam:CreateServiceLinkedRole": "global tables, Cognito SMS",
    "iam:PutRolePermissionsBoundary": "Role PermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary": "Role PermissionsBoundary",
    "lambda:AssociateRuntimeAlias": "Function capacity providers",
    "lambda:PassCapacityProvider": "Function capacity providers",
    "lambda:PutFunctionScalingConfig": "Function capacity providers",
    "lambda:GetCodeSigningConfig": "Function CodeSigningConfigArn",
    "lambda:PutFunctionCodeSigningConfig": "Function CodeSigningConfigArn",
    "lambda:DeleteFunctionCodeSigningConfig": "Function CodeSigningConfigArn",
    "lambda:PutProvisionedConcurrencyConfig": "Alias/Version ProvisionedConcurrencyConfig",
    "lambda:DeleteProvisionedConcurrencyConfig": "Alias/Version ProvisionedConcurrencyConfig",
    "logs:AssociateKmsKey": "LogGroup KmsKeyId",
    "logs:DisassociateKmsKey": "LogGroup KmsKeyId",
    "logs:CreateLogDelivery": "LogGroup delivery",
    "logs:PutBearerTokenAuthentication": "LogGroup BearerTokenAuthenticationEnabled",
    "logs:PutDataProtectionPolicy": "LogGroup DataProtectionPolicy",
    "logs:PutIndexPolicy": "LogGroup FieldIndexPolicies",
    "logs:DeleteIndexPolicy": "LogGroup FieldIndexPolicies",
    "logs:PutResourcePolicy": "LogGroup ResourcePolicyDocument",
    "logs:DeleteResourcePolicy": "LogGroup ResourcePolicyDocument",
    "logs:PutLogGroupDeletionProtection": "LogGroup DeletionProtectionEnabled",
    "apigateway:UpdateRestApiPolicy": "RestApi Policy",
    "iam:PassRole@AWS::Cognito": "user pool SMS and Lambda-trigger roles",
    "iam:PutRolePolicy@AWS::Cognito": "user pool SMS and Lambda-trigger roles",
    "iam:DeleteRolePolicy@AWS::Cognito": "user pool SMS and Lambda-trigger roles",
}


@functools.cache
def bootstrap() -> dict[str, Any]:
    return parse_template(BOOTSTRAP.read_text())


def _statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    props = resource["Properties"]
    if "PolicyDocument" in props:
        return props["PolicyDocument"]["Statement"]
    return [s for policy in props.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def _resources(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def _allow_statements() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in bootstrap()["Resources"].items():
        if resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
            for statement in _statements(resource):
                if statement["Effect"] == "Allow":
                    yield name, statement


def _text(node: Any) -> str:
    """A resource ARN as written ('!Sub' text), or a GetAtt/Ref as 'Logical.Attr'."""
    if isinstance(node, str):
        return node
    if "Fn::Sub" in node:
        return node["Fn::Sub"]
    if "Fn::GetAtt" in node:
        return "${" + ".".join(node["Fn::GetAtt"]) + "}"
    return "${" + node["Ref"] + "}"


def test_cfn_lint_finds_nothing():
    result = subprocess.run(
        [Path(sys.executable).parent / "cfn-lint", BOOTSTRAP], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_wildcard_action_and_a_wildcard_resource_only_where_iam_has_no_arn():
    for name, statement in _allow_statements():
        for action in _actions(statement):
            assert "*" not in action, (name, statement.get("Sid"), action)
        for resource in _resources(statement):
            if resource == "*":
                assert set(_actions(statement)) <= UNSCOPABLE, (name, statement.get("Sid"))


@pytest.mark.parametrize(("role", "stage"), STAGES.items())
def test_each_role_trusts_one_github_environment_of_this_repository_only(role, stage):
    (statement,) = bootstrap()["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"] == {
        "Fn::If": ["CreatesOidcProvider", {"Ref": "GitHubOidcProvider"}, {"Ref": "ExistingOidcProviderArn"}]
    }
    # StringEquals only: no StringLike that a branch name or another repository could match.
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": {
                "Fn::Sub": f"repo:${{GitHubRepository}}:environment:{stage}"
            },
        }
    }


@pytest.mark.parametrize(("role", "stage"), STAGES.items())
def test_each_role_reaches_only_its_own_stacks_resources_and_artifacts(role, stage):
    own = f"${{ProjectName}}-{STACK_SUFFIX[stage]}"
    for statement in _statements(bootstrap()["Resources"][role]):
        for resource in map(_text, _resources(statement)):
            if "${ProjectName}" in resource:
                named = re.findall(r"\$\{ProjectName\}-[a-z*-]+", resource)
                assert named, resource
                assert all(n.startswith(own) for n in named), (role, statement["Sid"], resource)
            else:
                # Not named after the stacks: the shared layer, the bucket itself, AWS's own CodeDeploy
                # configurations, and KMS keys (random ids), which the statement ties to the stack by tag.
                assert (
                    ":layer:ApiCoreLayer" in resource
                    or resource == "${ArtifactBucket.Arn}"
                    or resource.endswith(":deploymentconfig:*")
                    or (resource.endswith(":key/*") and _stack_tag(statement) == own)
                ), resource
        # Called directly: CloudFormation and the artifacts. Everything else only through CloudFormation,
        # and a role only when handed to the stack's functions or API.
        if not all(a.startswith(("cloudformation:", "s3:")) for a in _actions(statement)):
            through = {k: v for k, v in statement["Condition"].items() if k != "StringLike"}
            assert through == THROUGH_CLOUDFORMATION or (
                _actions(statement) == ["iam:PassRole"]
                and "iam:PassedToService" in statement["Condition"]["StringEquals"]
            ), statement["Sid"]


def _stack_tag(statement: dict[str, Any]) -> str | None:
    like = statement.get("Condition", {}).get("StringLike", {})
    tag = like.get("aws:ResourceTag/aws:cloudformation:stack-name")
    return _text(tag) if tag is not None else None


def test_the_three_roles_differ_only_in_their_stage():
    def normalised(role: str) -> str:
        text = json.dumps(_statements(bootstrap()["Resources"][role]), sort_keys=True)
        return text.replace(f"${{ProjectName}}-{STACK_SUFFIX[STAGES[role]]}", "${ProjectName}-STAGE")

    dev, prod, preview = (json.loads(normalised(r)) for r in STAGES)
    assert dev == prod
    # Previews are also deleted when their pull request closes.
    extra = [s for s in preview if s not in dev]
    assert {s["Sid"] for s in extra} == {"DeleteWhenThePullRequestCloses", "ArtifactsUnderTheStackPrefix"}
    assert [s for s in dev if s not in preview] == [
        next(s for s in dev if s["Sid"] == "ArtifactsUnderTheStackPrefix")
    ]


def test_the_roles_stacks_are_samconfigs_and_the_preview_workflows():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    project = bootstrap()["Parameters"]["ProjectName"]["Default"]
    assert config["default"]["global"]["parameters"]["stack_name"] == f"{project}-dev"
    assert config["prod"]["global"]["parameters"]["stack_name"] == f"{project}-prod"
    preview = (ROOT / ".github" / "workflows" / "preview.yml").read_text()
    assert f"STACK: {project}-pr-${{{{ github.event.pull_request.number }}}}" in preview


@functools.cache
def _handler_permissions(extra_types: frozenset[str] = frozenset()) -> dict[str, set[str]]:
    """permission -> the resource types whose handlers (create, read, update, delete) call it."""
    folder = Path(cfnlint.__file__).parent / "data" / "schemas" / "resources"
    by_type: dict[str, dict[str, Any]] = {}
    for path in glob.glob(str(folder / "*.json")):
        schema = json.loads(Path(path).read_text())
        if "typeName" in schema:
            by_type[schema["typeName"]] = schema.get("handlers", {})
    needed: dict[str, set[str]] = {}
    for resource_type in _app_resource_types() | extra_types:
        for handler, spec in by_type[resource_type].items():
            if handler != "list":
                for permission in spec.get("permissions", []):
                    needed.setdefault(permission, set()).add(resource_type)
    return needed


def _app_resource_types() -> set[str]:
    """Every resource type the application's stack can hold, over the parameter values that add some."""
    params = load_template()["Parameters"]
    variants = [
        {},
        {"Stage": "prod", "AllowedOrigins": "https://app.example.com"},
        {"CognitoUserPoolArn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc"},
    ]
    if "Auth" in params:  # identity (issue 13): the stack's own user pool
        variants.append({"Auth": "cognito"})
    types = set()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        for overrides in variants:
            types |= {r["Type"] for r in translate(overrides)["Resources"].values()}
    return types


def _not_used(permission: str, types: set[str]) -> bool:
    if any(permission.startswith(prefix) for prefix in NOT_USED if "@" not in prefix):
        return True
    if permission.startswith("kms:") and "AWS::KMS::Key" not in types:
        return "kms:@not-a-key" in NOT_USED
    # A permission only Cognito's handlers list, for features of Cognito the template does not use.
    return f"{permission}@AWS::Cognito" in NOT_USED and all(t.startswith("AWS::Cognito::") for t in types)


@pytest.mark.parametrize("role", STAGES)
def test_each_role_may_make_every_call_cloudformation_makes_for_the_apps_resources(role):
    granted = {
        action
        for name, statement in _allow_statements()
        if name in (role, "SharedDeployPolicy")
        for action in _actions(statement)
    }
    needed = _handler_permissions()
    missing = {p: sorted(t) for p, t in needed.items() if p not in granted and not _not_used(p, t)}
    assert missing == {}


def test_nothing_is_granted_through_cloudformation_that_no_handler_calls():
    # Granted ahead of the template: identity (issue 13, Auth=cognito) adds the stack's own user pool,
    # so the roles can deploy it the day it lands. Once the template has them, they are derived anyway.
    needed = _handler_permissions(IDENTITY_TYPES)
    for name, statement in _allow_statements():
        if statement.get("Condition") == THROUGH_CLOUDFORMATION:
            surplus = set(_actions(statement)) - needed.keys()
            assert surplus == set(), (name, statement["Sid"])


def test_every_permission_left_out_is_one_a_handler_lists():
    # The list above stays honest: an entry no schema mentions any more is dropped, not kept by habit.
    needed = _handler_permissions(IDENTITY_TYPES)
    for entry in NOT_USED:
        permission = entry.split("@")[0]
        assert any(p.startswith(permission) for p in needed), entry

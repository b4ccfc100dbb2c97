"""The translated stack, created in moto's CloudFormation and inspected through boto3.

Catches what reading the translated template cannot: references that do not resolve, resources that
cannot be created from the properties given, and the routes as API Gateway would list them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from support.cfn import translate
from support.moto_stack import for_moto, upload_code
from support.template import table_properties

# moto has no AWS::ApiGateway::Account: the account-wide logging role is taken as existing here; the
# translated-template tests cover the stack that creates it.
PARAMS = {"Stage": "prod", "AllowedOrigins": "https://app.example.com", "ApiGatewayLoggingRole": "existing"}
STACK = "serverless-rest-api-test"
EXPECTED_ROUTES = {
    "/api/v1/health": ("HealthFunction", {"ANY"}),
    "/api/v1/items": ("ItemsFunction", {"ANY", "GET", "HEAD", "OPTIONS"}),
    "/api/v1/items/{item_id}": ("ItemsFunction", {"ANY", "GET", "HEAD", "OPTIONS"}),
    "/api/v1/users": ("UsersFunction", {"ANY", "GET", "HEAD", "OPTIONS"}),
    "/api/v1/users/{user_id}": ("UsersFunction", {"ANY", "GET", "HEAD", "OPTIONS"}),
    "/api/v1/users/{user_id}/orders": ("UsersFunction", {"ANY", "GET", "HEAD", "OPTIONS"}),
    "/api/v1/users/{user_id}/orders/{order_id}": ("UsersFunction", {"ANY", "GET", "HEAD", "OPTIONS"}),
}


@pytest.fixture(scope="module")
def deployed() -> Iterator[dict[str, Any]]:
    """GIVEN the prod stack created in moto: its resources by logical id, and the boto3 clients."""
    env = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        env.setenv(name, value)
    with mock_aws():
        upload_code(boto3.client("s3"))
        cfn = boto3.client("cloudformation")
        template = for_moto(translate(PARAMS), PARAMS)
        cfn.create_stack(
            StackName=STACK,
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMS.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
        stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        physical = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
        }
        yield {"physical": physical}
    env.undo()


def test_api_routes_every_path_and_method_to_the_intended_function(deployed: dict[str, Any]):
    apigw = boto3.client("apigateway")
    api_id = deployed["physical"]["RestApi"]
    routes = {r["path"]: r for r in apigw.get_resources(restApiId=api_id, limit=500)["items"]}
    function_names = {
        name: deployed["physical"][name] for name in ("HealthFunction", "ItemsFunction", "UsersFunction")
    }
    for path, (function, methods) in EXPECTED_ROUTES.items():
        assert set(routes[path].get("resourceMethods", {})) == methods, path
        for method in methods:
            integration = apigw.get_integration(
                restApiId=api_id, resourceId=routes[path]["id"], httpMethod=method
            )
            assert integration["type"] == "AWS_PROXY"
            assert function_names[function] in integration["uri"], (path, method, integration["uri"])
    # no route beyond the intended ones (intermediate path segments carry no methods)
    served = {p for p, r in routes.items() if r.get("resourceMethods")}
    assert served == set(EXPECTED_ROUTES)


def test_functions_exist_with_the_runtime_and_environment(deployed: dict[str, Any]):
    lam = boto3.client("lambda")
    table_name = deployed["physical"]["Table"]
    for function in ("HealthFunction", "ItemsFunction", "UsersFunction"):
        config = lam.get_function_configuration(FunctionName=deployed["physical"][function])
        env = config["Environment"]["Variables"]
        assert config["Runtime"] == "python3.13"
        assert config["Handler"] == "app.handler"
        assert env["STAGE"] == "prod"
        assert env["CORS_ALLOWED_ORIGINS"] == "https://app.example.com"
        assert (env.get("TABLE_NAME") == table_name) is (function != "HealthFunction")


def test_table_exists_with_the_template_key_schema(deployed: dict[str, Any]):
    table = boto3.client("dynamodb").describe_table(TableName=deployed["physical"]["Table"])["Table"]
    props = table_properties()
    assert table["KeySchema"] == props["KeySchema"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is True  # prod


def test_log_groups_have_retention(deployed: dict[str, Any]):
    logs = boto3.client("logs")
    names = [
        deployed["physical"][g]
        for g in (
            "ApiAccessLogGroup",
            "HealthFunctionLogGroup",
            "ItemsFunctionLogGroup",
            "UsersFunctionLogGroup",
        )
    ]
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
    for name in names:
        assert groups[name]["retentionInDays"] == 30

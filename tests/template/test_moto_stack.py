"""The translated stack, created in moto's CloudFormation and inspected through boto3.

Catches what reading the translated template cannot: references that do not resolve, resources that
cannot be created from the properties given, and the routes as API Gateway would list them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.codedeploy.models import codedeploy_backends
from moto.core import DEFAULT_ACCOUNT_ID as ACCOUNT
from support.cfn import translate
from support.moto_stack import for_moto, upload_code
from support.template import api_events, load_template, table_properties

# moto has no AWS::ApiGateway::Account: the account-wide logging role is taken as existing here; the
# translated-template tests cover the stack that creates it.
PARAMS = {
    "Stage": "prod",
    "AllowedOrigins": "https://app.example.com",
    "AdminOrigins": "https://admin.example.com",
    "Auth": "cognito",
    "ApiGatewayLoggingRole": "existing",
    "AlarmEmail": "oncall@example.com",
}
STACK = "serverless-rest-api-test"
FUNCTIONS = sorted({event.resource for event in api_events()})
# Every route of the functions' Api events, with the methods the API definition writes for it (ANY for
# x-amazon-apigateway-any-method).
_PATHS = next(
    r["Properties"]["DefinitionBody"]["paths"]
    for r in load_template()["Resources"].values()
    if r["Type"] == "AWS::Serverless::Api"
)
EXPECTED_ROUTES = {
    event.path: (
        event.resource,
        {"ANY" if m == "x-amazon-apigateway-any-method" else m.upper() for m in _PATHS[event.path]},
    )
    for event in api_events()
}
# The methods that need a token, by function (issue 13); test_translated_template holds the translated
# template to the same rules, and gives any other table function the collection's: ANY.
DECIDED = {
    "HealthFunction": set(),
    # % if samples != "none"
    "ItemsFunction": {"ANY"},
    # % endif
    # % if samples == "all"
    "UsersFunction": {"ANY", "GET", "HEAD"},
    "AdminFunction": {"ANY", "GET", "HEAD"},
    # % endif
}
PROTECTED = {f: DECIDED.get(f, {"ANY"}) for f in FUNCTIONS}
LOG_GROUPS = [n for n, r in load_template()["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup"]


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
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        yield {"physical": physical, "outputs": outputs, "template": template}
    env.undo()


def test_api_routes_every_path_and_method_to_the_intended_function(deployed: dict[str, Any]):
    apigw = boto3.client("apigateway")
    api_id = deployed["physical"]["RestApi"]
    routes = {r["path"]: r for r in apigw.get_resources(restApiId=api_id, limit=500)["items"]}
    function_names = {name: deployed["physical"][name] for name in FUNCTIONS}
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


def test_the_authorizer_guards_the_protected_methods_with_the_stacks_own_pool(deployed: dict[str, Any]):
    # GIVEN the API and the user pool moto created from the stack
    apigw = boto3.client("apigateway")
    api_id = deployed["physical"]["RestApi"]
    pool = boto3.client("cognito-idp").describe_user_pool(UserPoolId=deployed["physical"]["UserPool"])
    # THEN the one authorizer checks ID tokens of that pool (GetAtt UserPool.Arn resolved), from Authorization
    (authorizer,) = apigw.get_authorizers(restApiId=api_id)["items"]
    assert authorizer["type"] == "COGNITO_USER_POOLS"
    assert authorizer["providerARNs"] == [pool["UserPool"]["Arn"]]
    assert authorizer["identitySource"] == "method.request.header.Authorization"
    # AND exactly the protected methods need it; OPTIONS never
    routes = {r["path"]: r for r in apigw.get_resources(restApiId=api_id, limit=500)["items"]}
    for path, (function, methods) in EXPECTED_ROUTES.items():
        for method in methods:
            described = apigw.get_method(restApiId=api_id, resourceId=routes[path]["id"], httpMethod=method)
            expected = "COGNITO_USER_POOLS" if method in PROTECTED[function] else "NONE"
            assert described["authorizationType"] == expected, (path, method)


def test_the_user_pool_client_and_admin_group_exist_as_the_outputs_say(deployed: dict[str, Any]):
    idp = boto3.client("cognito-idp")
    outputs = deployed["outputs"]
    # GIVEN the stack's outputs: they name what was created
    assert outputs["UserPoolId"] == deployed["physical"]["UserPool"]
    assert outputs["UserPoolClientId"] == deployed["physical"]["UserPoolClient"]
    assert outputs["UserPoolIssuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{outputs['UserPoolId']}"
    pool = idp.describe_user_pool(UserPoolId=outputs["UserPoolId"])["UserPool"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["DeletionProtection"] == "ACTIVE"  # prod
    assert pool["MfaConfiguration"] == "OPTIONAL"
    client = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=outputs["UserPoolClientId"])
    assert "ClientSecret" not in client["UserPoolClient"]
    groups = idp.list_groups(UserPoolId=pool["Id"])["Groups"]
    assert [g["GroupName"] for g in groups] == ["admin"]


def test_an_admin_signs_in_with_the_client_and_gets_an_id_token_from_the_issuer(deployed: dict[str, Any]):
    # GIVEN a user an administrator created (no self sign-up) and put in the admin group
    idp = boto3.client("cognito-idp")
    pool_id, client_id = deployed["outputs"]["UserPoolId"], deployed["outputs"]["UserPoolClientId"]
    email = "admin@example.com"
    idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password="Passw0rd!local", Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName="admin")
    # WHEN they sign in through the stack's client with USER_PASSWORD_AUTH
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "Passw0rd!local"},
    )["AuthenticationResult"]
    # THEN the ID token is for that client, from the issuer the stack outputs, and names the group
    claims = json.loads(base64.urlsafe_b64decode(tokens["IdToken"].split(".")[1] + "=="))
    assert claims["iss"] == deployed["outputs"]["UserPoolIssuer"]
    assert claims["aud"] == client_id
    assert claims["token_use"] == "id"
    assert claims["cognito:groups"] == ["admin"]


def test_functions_exist_with_the_runtime_and_environment(deployed: dict[str, Any]):
    lam = boto3.client("lambda")
    table_name = deployed["physical"]["Table"]
    for function in FUNCTIONS:
        config = lam.get_function_configuration(FunctionName=deployed["physical"][function])
        env = config["Environment"]["Variables"]
        assert config["Runtime"] == "python3.13"
        assert config["Handler"] == "app.handler"
        assert env["STAGE"] == "prod"
        assert env["CORS_ALLOWED_ORIGINS"] == "https://app.example.com"
        assert (env["AUTH"], env["ALLOW_ANONYMOUS_WRITES"]) == ("cognito", "false")
        table_env = load_template()["Resources"][function]["Properties"].get("Environment", {})
        assert (env.get("TABLE_NAME") == table_name) is ("TABLE_NAME" in table_env.get("Variables", {}))
        # only a function that declares the admin tier (its template environment) reads its origins
        declares = "CORS_ADMIN_ALLOWED_ORIGINS" in table_env.get("Variables", {})
        assert env.get("CORS_ADMIN_ALLOWED_ORIGINS") == ("https://admin.example.com" if declares else None)


def test_table_exists_with_the_template_key_schema(deployed: dict[str, Any]):
    table = boto3.client("dynamodb").describe_table(TableName=deployed["physical"]["Table"])["Table"]
    props = table_properties()
    assert table["KeySchema"] == props["KeySchema"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is True  # prod


def test_log_groups_have_retention(deployed: dict[str, Any]):
    logs = boto3.client("logs")
    assert {"ApiAccessLogGroup", *(f"{function}LogGroup" for function in FUNCTIONS)} <= set(LOG_GROUPS)
    names = [deployed["physical"][g] for g in LOG_GROUPS]
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
    for name in names:
        assert groups[name]["retentionInDays"] == 30


# --- operating it (issue 16): alarms, their topic, CodeDeploy, the dashboard ----------------------------
FUNCTIONS = sorted(
    name for name, r in load_template()["Resources"].items() if r["Type"] == "AWS::Serverless::Function"
)
ALARMS = sorted(
    name for name, r in load_template()["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"
)


def test_every_alarm_exists_and_notifies_the_encrypted_topic(deployed: dict[str, Any]):
    physical = deployed["physical"]
    topic_arn = physical["AlarmTopic"]
    # GIVEN every alarm of the template, as moto's CloudWatch holds it
    alarms = {a["AlarmName"]: a for a in boto3.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert set(alarms) == {physical[name] for name in ALARMS}
    # THEN each notifies the stack's topic when it fires and when it clears
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [topic_arn], alarm["AlarmName"]
        assert alarm["OKActions"] == [topic_arn], alarm["AlarmName"]
    # AND the topic is encrypted with the stack's own key, which rotates, and CloudWatch may publish to it
    attributes = boto3.client("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    key_id = physical["AlarmTopicKey"]
    assert attributes["KmsMasterKeyId"] == key_id
    assert boto3.client("kms").get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    (statement,) = json.loads(attributes["Policy"])["Statement"]
    assert (statement["Principal"], statement["Action"]) == (
        {"Service": "cloudwatch.amazonaws.com"},
        "sns:Publish",
    )
    # AND the address given is subscribed (AWS then asks it to confirm)
    subscriptions = boto3.client("sns").list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "oncall@example.com")]


def test_every_function_deploys_as_a_canary_rolled_back_by_its_own_alarms(deployed: dict[str, Any]):
    physical = deployed["physical"]
    codedeploy = boto3.client("codedeploy")
    application = physical["ServerlessDeploymentApplication"]
    assert (
        codedeploy.get_application(applicationName=application)["application"]["computePlatform"] == "Lambda"
    )
    cloudwatch = boto3.client("cloudwatch")
    for function in FUNCTIONS:
        group = codedeploy.get_deployment_group(
            applicationName=application, deploymentGroupName=physical[f"{function}DeploymentGroup"]
        )["deploymentGroupInfo"]
        assert group["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        assert group["autoRollbackConfiguration"]["enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in group["autoRollbackConfiguration"]["events"]
        # moto keeps the alarm configuration but leaves it out of GetDeploymentGroup's answer: read it there
        stored = codedeploy_backends[ACCOUNT]["us-east-1"].deployment_groups[application][
            group["deploymentGroupName"]
        ]
        assert stored.alarm_configuration.enabled is True
        names = [a["name"] for a in stored.alarm_configuration.alarms]
        assert names
        # each rollback alarm exists and watches this function: by name (Lambda) or by service (EMF)
        function_name = physical[function]
        for alarm in cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]:
            dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
            assert dimensions.get("FunctionName") == function_name or dimensions.get("service") == (
                function.removesuffix("Function").lower()
            ), alarm
        assert len(cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]) == len(names)


def test_the_dashboard_exists_at_the_outputs_url_and_shows_every_alarm(deployed: dict[str, Any]):
    physical = deployed["physical"]
    url = deployed["outputs"]["DashboardUrl"]
    name = physical["Dashboard"]
    assert url.endswith(f"#dashboards:name={name}")
    body = json.loads(boto3.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    alarm_arns = {
        a["AlarmName"]: a["AlarmArn"] for a in boto3.client("cloudwatch").describe_alarms()["MetricAlarms"]
    }
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(alarm_arns[physical[a]] for a in ALARMS)
    assert deployed["outputs"]["AlarmTopicArn"] == physical["AlarmTopic"]


def test_the_access_log_counts_429s_into_the_throttling_alarms_metric(deployed: dict[str, Any]):
    physical = deployed["physical"]
    (metric_filter,) = boto3.client("logs").describe_metric_filters(
        logGroupName=physical["ApiAccessLogGroup"]
    )["metricFilters"]
    assert metric_filter["filterPattern"] == '{ $.status = "429" }'
    (transformation,) = metric_filter["metricTransformations"]
    (alarm,) = boto3.client("cloudwatch").describe_alarms(AlarmNames=[physical["ApiThrottledAlarm"]])[
        "MetricAlarms"
    ]
    assert (transformation["metricNamespace"], transformation["metricName"]) == (
        alarm["Namespace"],
        alarm["MetricName"],
    )
    assert alarm["Namespace"] == STACK

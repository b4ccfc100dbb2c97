"""Operating the stack (issue 16), as SAM's transform translates it: traces, metrics, alarms, their topic,
the dashboard and canary deployments. Every function is read from template.yaml, never listed here."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from api_core import metrics
from support.cfn import Evaluator, translate
from support.emf import dimension_sets, emf_lines
from support.template import load_template

PROD = {"Stage": "prod", "AllowedOrigins": "https://app.example.com", "Auth": "cognito"}
FUNCTIONS = sorted(
    name for name, r in load_template()["Resources"].items() if r["Type"] == "AWS::Serverless::Function"
)
ALARM = "AWS::CloudWatch::Alarm"


@cache
def _translated(params: frozenset[tuple[str, str]]) -> dict[str, Any]:
    return translate(dict(params))


def stack(**params: str) -> tuple[dict[str, Any], Evaluator]:
    """The translated template (translated once per parameter set) and an evaluator for it."""
    template = _translated(frozenset(params.items()))
    return template, Evaluator(template, params)


@pytest.fixture
def prod() -> tuple[dict[str, Any], Evaluator]:
    return stack(**PROD)


def alarms(template: dict[str, Any], ev: Evaluator) -> dict[str, dict[str, Any]]:
    """Every alarm's Properties, resolved for the evaluator's parameters."""
    return {
        name: ev.resolve(r["Properties"]) for name, r in template["Resources"].items() if r["Type"] == ALARM
    }


def watched(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric, dimensions) of every metric an alarm reads, metric math included."""
    if "Metrics" in alarm:
        stats = [q["MetricStat"]["Metric"] for q in alarm["Metrics"] if "MetricStat" in q]
    else:
        stats = [alarm]
    return [
        (s["Namespace"], s["MetricName"], {d["Name"]: d["Value"] for d in s.get("Dimensions", [])})
        for s in stats
    ]


def service_of(template: dict[str, Any], function: str) -> str:
    return template["Resources"][function]["Properties"]["Environment"]["Variables"][
        "POWERTOOLS_SERVICE_NAME"
    ]


def alarms_of_function(template: dict[str, Any], ev: Evaluator, function: str) -> dict[str, set[str]]:
    """{alarm name: the metrics it reads} of the alarms that watch this function alone."""
    service = service_of(template, function)
    found: dict[str, set[str]] = {}
    for name, alarm in alarms(template, ev).items():
        for namespace, metric, dims in watched(alarm):
            emf = namespace == ev.values["AWS::StackName"]
            if dims.get("FunctionName") == {"Ref": function} or (emf and dims.get("service") == service):
                found.setdefault(name, set()).add(f"{'emf' if emf else namespace}:{metric}")
    return found


# --- alarms -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_its_errors_throttles_and_5xx_alarms(prod, function: str):
    template, ev = prod
    watched_metrics = set().union(*alarms_of_function(template, ev, function).values())
    assert watched_metrics >= {"AWS/Lambda:Errors", "AWS/Lambda:Throttles", "emf:Requests"}


def test_the_api_and_the_table_have_their_alarms(prod):
    template, ev = prod
    seen = {
        (ns, metric): (alarm, dims)
        for alarm in alarms(template, ev).values()
        for ns, metric, dims in watched(alarm)
    }
    stack_name = ev.values["AWS::StackName"]
    api = {"ApiName": f"{stack_name}-api", "Stage": "prod"}
    five_xx, dims = seen[("AWS/ApiGateway", "5XXError")]
    assert (five_xx["Statistic"], dims) == ("Average", api)  # 1 or 0 per request: the average is a rate
    latency, dims = seen[("AWS/ApiGateway", "Latency")]
    assert (latency["ExtendedStatistic"], dims) == ("p99", api)
    throttled, _ = seen[(stack_name, "ApiThrottled")]
    assert throttled["Statistic"] == "Sum"
    table = {"Ref": "Table"}
    for metric in ("ReadThrottleEvents", "WriteThrottleEvents", "SystemErrors"):
        assert seen[("AWS/DynamoDB", metric)][1]["TableName"] == table, metric


def test_the_429_metric_comes_from_the_access_log(prod):
    template, ev = prod
    (metric_filter,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::MetricFilter"]
    props = ev.resolve(metric_filter["Properties"])
    assert props["LogGroupName"] == {"Ref": "ApiAccessLogGroup"}
    assert props["FilterPattern"] == '{ $.status = "429" }'
    # the access log writes the status as a string: the pattern matches it as one
    (stage,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    access_log = stage["Properties"]["AccessLogSetting"]["Format"]
    assert '"status":"$context.status"' in access_log
    (transformation,) = props["MetricTransformations"]
    alarm = ev.resolve(template["Resources"]["ApiThrottledAlarm"]["Properties"])
    assert (transformation["MetricNamespace"], transformation["MetricName"]) == (
        alarm["Namespace"],
        alarm["MetricName"],
    )


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_clears(stage: str):
    template, ev = stack(**(PROD if stage == "prod" else {}))
    found = alarms(template, ev)
    assert len(found) >= 3 * len(FUNCTIONS) + 5
    for name, alarm in found.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["OKActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["TreatMissingData"] == "notBreaching", name  # no traffic is not an incident


def test_thresholds_are_per_stage_and_prod_is_at_least_as_strict():
    dev, dev_ev = stack()
    prod, prod_ev = stack(**PROD)
    dev_thresholds = {name: float(a["Threshold"]) for name, a in alarms(dev, dev_ev).items()}
    prod_thresholds = {name: float(a["Threshold"]) for name, a in alarms(prod, prod_ev).items()}
    assert set(dev_thresholds) == set(prod_thresholds)
    assert all(prod_thresholds[name] <= dev_thresholds[name] for name in dev_thresholds)
    assert any(prod_thresholds[name] < dev_thresholds[name] for name in dev_thresholds)
    assert prod_thresholds["ApiServerErrorRateAlarm"] == 0.01


def test_the_topic_is_encrypted_with_a_key_cloudwatch_may_use(prod):
    template, ev = prod
    resources = template["Resources"]
    topic = resources["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}  # not alias/aws/sns: CloudWatch cannot use it
    key = ev.resolve(resources["AlarmTopicKey"]["Properties"])
    assert key["EnableKeyRotation"] is True
    cloudwatch = [
        s for s in key["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert [sorted(s["Action"]) for s in cloudwatch] == [["kms:Decrypt", "kms:GenerateDataKey*"]]
    (policy,) = [r for r in resources.values() if r["Type"] == "AWS::SNS::TopicPolicy"]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (statement["Principal"], statement["Action"]) == (
        {"Service": "cloudwatch.amazonaws.com"},
        "sns:Publish",
    )


@pytest.mark.parametrize(("email", "subscribed"), [("", False), ("oncall@example.com", True)])
def test_the_email_subscription_exists_only_when_an_address_is_given(email: str, subscribed: bool):
    template, ev = stack(**PROD, AlarmEmail=email)
    subscriptions = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::SNS::Subscription" and ev.condition(r["Condition"])
    ]
    assert [ev.resolve(s["Properties"]) for s in subscriptions] == (
        [{"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": email}] if subscribed else []
    )


def test_the_5xx_alarms_read_a_dimension_set_the_layer_writes(prod, capsys, monkeypatch):
    # GIVEN the dimension sets of the Requests metric, as the layer writes them for a 503
    template, ev = prod
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "stack")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", service_of(template, "HealthFunction"))
    metrics.publish("/api/v1/health", 503, None)
    (line,) = emf_lines(capsys.readouterr().out)
    written = [sorted(d) for d in dimension_sets(line)]
    # THEN every alarm on it asks for one of those sets, with a service of the stack and the 5xx class
    services = {service_of(template, f) for f in FUNCTIONS}
    emf_alarms = [w for a in alarms(template, ev).values() for w in watched(a) if w[1] == "Requests"]
    assert len(emf_alarms) == len(FUNCTIONS)
    for _, _, dims in emf_alarms:
        assert sorted(dims) in written
        assert dims["service"] in services
        assert dims["status_class"] == metrics.status_class(503)


# --- deployments ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("stage", "config"), [("prod", "Canary10Percent5Minutes"), ("dev", "AllAtOnce")])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_deploys_through_codedeploy_rolled_back_by_its_alarms(
    function: str, stage: str, config: str
):
    template, ev = stack(**(PROD if stage == "prod" else {}))
    resources = template["Resources"]
    # the live alias moves through CodeDeploy, in this function's deployment group
    alias = next(
        r
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Alias" and r["Properties"]["FunctionName"] == {"Ref": function}
    )
    update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    group = ev.resolve(resources[update["DeploymentGroupName"]["Ref"]]["Properties"])
    assert group["DeploymentConfigName"] == f"CodeDeployDefault.Lambda{config}"
    assert group["AutoRollbackConfiguration"]["Enabled"] is True
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
    # rolled back by alarms that watch this function (its crashes and its 5xx answers)
    assert group["AlarmConfiguration"]["Enabled"] is True
    rollback = {a["Name"]["Ref"] for a in group["AlarmConfiguration"]["Alarms"]}
    own = alarms_of_function(template, ev, function)
    assert rollback <= set(own)
    assert set().union(*(own[name] for name in rollback)) == {"AWS/Lambda:Errors", "emf:Requests"}


# --- traces and metrics -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "on"),
    [
        ({}, False),
        (PROD, True),
        ({"Tracing": "enabled"}, True),
        ({**PROD, "Tracing": "disabled"}, False),
    ],
)
def test_tracing_is_on_by_default_in_prod_for_the_stage_and_every_function(params: dict[str, str], on: bool):
    template, ev = stack(**params)
    stage = next(r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage")
    assert ev.resolve(stage["Properties"]["TracingEnabled"]) is on
    for function in FUNCTIONS:
        props = template["Resources"][function]["Properties"]
        assert ev.resolve(props["TracingConfig"]["Mode"]) == ("Active" if on else "PassThrough")
        env = ev.resolve(props["Environment"]["Variables"])
        # the layer builds its tracer exactly when Lambda traces
        assert env["POWERTOOLS_TRACE_DISABLED"] == ("false" if on else "true")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_writes_metrics_in_the_stacks_namespace(prod, function: str):
    template, _ = prod
    env = template["Resources"][function]["Properties"]["Environment"]["Variables"]
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == {"Ref": "AWS::StackName"}


# --- the dashboard ----------------------------------------------------------------------------------------
def test_the_dashboard_is_valid_json_showing_every_alarm_and_its_url_is_an_output(prod):
    template, ev = prod
    resources = template["Resources"]
    (name,) = [n for n, r in resources.items() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    body = resources[name]["Properties"]["DashboardBody"]["Fn::Sub"]
    references = set(re.findall(r"\$\{([^}]+)\}", body))
    # every reference is a parameter, a pseudo parameter or a resource of the stack
    for reference in references:
        head = reference.split(".")[0]
        assert head in resources or head in template["Parameters"] or head.startswith("AWS::"), reference
    document = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    (alarm_widget,) = [w for w in document["widgets"] if w["type"] == "alarm"]
    assert len(alarm_widget["properties"]["alarms"]) == len(alarms(template, ev))
    assert {f"{a}.Arn" for a in alarms(template, ev)} <= references
    # every function's metrics are on it
    for function in FUNCTIONS:
        assert function in references
    url = ev.resolve(template["Outputs"]["DashboardUrl"]["Value"])
    assert url.startswith(
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name="
    )
    assert template["Outputs"]["DashboardUrl"]["Value"]["Fn::Sub"].endswith("${Dashboard}")

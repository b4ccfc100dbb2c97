"""Test-only: teach moto's CloudFormation the operations resources the template creates (issue 16).

moto 5.2.5 has the APIs behind them (CloudWatch alarms, Logs metric filters, SNS subscriptions and topic
attributes, CodeDeploy applications and deployment groups), but its CloudFormation has no model for
AWS::CloudWatch::Alarm, AWS::Logs::MetricFilter, AWS::SNS::Subscription, AWS::SNS::TopicPolicy,
AWS::CodeDeploy::Application or AWS::CodeDeploy::DeploymentGroup: create_stack skips each with "No Moto
CloudFormation support", and a Ref or GetAtt to one resolves to nothing. The models below create them
through moto's backends with the template's properties, as support.moto_cognito does for Cognito
(support.moto_models builds each model). (moto's own models cover AWS::SNS::Topic, AWS::KMS::Key
and AWS::CloudWatch::Dashboard.)

What this cannot verify, because moto has no engine for it: that an alarm ever changes state, that
CodeDeploy shifts an alias's traffic or rolls it back, that a metric filter turns log lines into
metrics. Those are CloudWatch's, CodeDeploy's and Lambda's behaviour, documented in docs/DEPLOYMENT.md.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudwatch.models import (
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)
from moto.codedeploy.models import AlarmConfiguration, codedeploy_backends
from moto.logs.models import logs_backends
from moto.sns.models import sns_backends

from support.moto_models import Created, backend_model


def _query(query: dict[str, Any]) -> MetricDataQuery:
    """One entry of an alarm's `Metrics` (metric math) as moto's API layer builds it."""
    stat = query.get("MetricStat")
    metric_stat = None
    if stat:
        metric = stat["Metric"]
        dimensions = [Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])]
        metric_stat = MetricStat(
            Metric(metric["MetricName"], metric["Namespace"], dimensions),
            stat["Period"],
            stat["Stat"],
            stat.get("Unit"),
        )
    return MetricDataQuery(
        query["Id"],
        query.get("Label"),
        query.get("Period"),
        query.get("ReturnData", True),
        query.get("Expression"),
        metric_stat,
    )


@backend_model("AWS::CloudWatch::Alarm", name_property="AlarmName", attributes=("Arn",))
def _alarm(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Created:
    name = props.get("AlarmName", resource_name)
    alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
        name=name,
        namespace=props.get("Namespace"),
        metric_name=props.get("MetricName"),
        comparison_operator=props["ComparisonOperator"],
        evaluation_periods=int(props["EvaluationPeriods"]),
        period=props.get("Period"),
        threshold=float(props["Threshold"]),
        statistic=props.get("Statistic"),
        description=props.get("AlarmDescription", ""),
        dimensions=props.get("Dimensions", []),
        alarm_actions=props.get("AlarmActions", []),
        metric_data_queries=[_query(q) for q in props["Metrics"]] if "Metrics" in props else None,
        datapoints_to_alarm=props.get("DatapointsToAlarm"),
        extended_statistic=props.get("ExtendedStatistic"),
        ok_actions=props.get("OKActions", []),
        unit=props.get("Unit"),
        treat_missing_data=props.get("TreatMissingData"),
    )
    return Created(name, Arn=alarm.alarm_arn)


@backend_model("AWS::Logs::MetricFilter", name_property="FilterName")
def _metric_filter(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Created:
    name = props.get("FilterName", resource_name)
    transformations = [
        {
            "metricName": t["MetricName"],
            "metricNamespace": t["MetricNamespace"],
            "metricValue": t["MetricValue"],
            **({"unit": t["Unit"]} if "Unit" in t else {}),
        }
        for t in props["MetricTransformations"]
    ]
    logs_backends[account_id][region_name].put_metric_filter(
        name, props["FilterPattern"], props["LogGroupName"], transformations
    )
    return Created(name)


@backend_model("AWS::SNS::TopicPolicy")
def _topic_policy(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Created:
    for topic in props["Topics"]:
        sns_backends[account_id][region_name].set_topic_attribute(
            topic, "policy", json.dumps(props["PolicyDocument"])
        )
    return Created(resource_name)


@backend_model("AWS::SNS::Subscription")
def _subscription(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Created:
    subscription = sns_backends[account_id][region_name].subscribe(
        props["TopicArn"], props["Endpoint"], props["Protocol"]
    )
    return Created(subscription.arn)


@backend_model("AWS::CodeDeploy::Application", name_property="ApplicationName")
def _code_deploy_application(
    props: dict[str, Any], resource_name: str, account_id: str, region_name: str
) -> Created:
    name = props.get("ApplicationName", resource_name)
    codedeploy_backends[account_id][region_name].create_application(
        name, props.get("ComputePlatform", "Server"), props.get("Tags", [])
    )
    return Created(name)


@backend_model("AWS::CodeDeploy::DeploymentGroup", name_property="DeploymentGroupName")
def _code_deploy_deployment_group(
    props: dict[str, Any], resource_name: str, account_id: str, region_name: str
) -> Created:
    name = props.get("DeploymentGroupName", resource_name)
    alarms = props.get("AlarmConfiguration", {})
    rollback = props.get("AutoRollbackConfiguration", {})
    style = props.get("DeploymentStyle", {})
    # The API's shapes (camelCase), as moto's own API layer passes them on
    codedeploy_backends[account_id][region_name].create_deployment_group(
        application_name=props["ApplicationName"],
        deployment_group_name=name,
        deployment_config_name=props.get("DeploymentConfigName"),
        ec2_tag_filters=None,
        on_premises_instance_tag_filters=None,
        auto_scaling_groups=None,
        service_role_arn=props["ServiceRoleArn"],
        alarm_configuration=AlarmConfiguration(
            alarms=[{"name": alarm["Name"]} for alarm in alarms.get("Alarms", [])],
            enabled=alarms.get("Enabled", False),
        ),
        auto_rollback_configuration={
            "enabled": rollback.get("Enabled", False),
            "events": rollback.get("Events", []),
        },
        deployment_style={
            "deploymentType": style.get("DeploymentType"),
            "deploymentOption": style.get("DeploymentOption"),
        },
    )
    return Created(name)

"""The template as CloudFormation sees it: translated offline, with conditions and Rules evaluated.

`translate(params)` runs the SAM transform (aws-sam-translator) on template.yaml with local code paths
replaced by S3 locations, as `sam package` would. `Evaluator` resolves the handful of intrinsic
functions the template uses in Conditions, Rules and conditional properties, for given parameter values:
enough to ask "what would CloudFormation do with these parameters", not a CloudFormation engine.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from samtranslator.translator.transform import transform

from support.template import load_template

ARTIFACT_BUCKET = "sam-artifacts"
NO_VALUE = object()  # what {"Ref": "AWS::NoValue"} evaluates to; `resolve` drops it from maps and lists


class _ManagedPolicies:
    """The translator asks for AWS managed policy ARNs only for names it cannot build itself."""

    def load(self) -> dict[str, str]:
        return {}


def artifact_key(code_path: str) -> str:
    return code_path.strip("/").replace("/", "-") + ".zip"


def packaged_template() -> dict[str, Any]:
    """template.yaml with each local CodeUri/ContentUri replaced by an S3 URI, as `sam package` does."""
    template = copy.deepcopy(load_template())
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://{ARTIFACT_BUCKET}/{artifact_key(props[key])}"
    return template


def translate(params: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The CloudFormation template SAM's transform makes of template.yaml for these parameter values."""
    return transform(packaged_template(), dict(params or {}), _ManagedPolicies())


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Parameter values as CloudFormation sees them: defaults, overrides, CommaDelimitedList split."""
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        raw = str(overrides.get(name, spec.get("Default", "")))
        values[name] = raw.split(",") if spec["Type"] == "CommaDelimitedList" else raw
    values.update(
        {
            "AWS::Region": "us-east-1",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "stack",
        }
    )
    return values


class Evaluator:
    """Evaluates Fn::Equals/Not/And/Or/If/Contains/Join/Select/Split/Sub/FindInMap, Condition and Ref."""

    def __init__(self, template: Mapping[str, Any], params: Mapping[str, str] | None = None) -> None:
        self.template = template
        self.values = parameter_values(template, params or {})
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self.resolve(self.template["Conditions"][name]))
        return self._conditions[name]

    def rule_failures(self) -> list[str]:
        """The AssertDescription of every Rules assertion that fails for these parameters."""
        failures = []
        for rule in self.template.get("Rules", {}).values():
            if "RuleCondition" in rule and not self.resolve(rule["RuleCondition"]):
                continue
            failures += [a["AssertDescription"] for a in rule["Assertions"] if not self.resolve(a["Assert"])]
        return failures

    def resolve(self, node: Any) -> Any:  # noqa: PLR0911, PLR0912 - one branch per intrinsic
        if isinstance(node, list):
            return [v for v in (self.resolve(item) for item in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) != 1 or not next(iter(node)).startswith(("Fn::", "Ref", "Condition")):
            resolved = {k: self.resolve(v) for k, v in node.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        ((name, arg),) = node.items()
        match name:
            case "Ref":
                return NO_VALUE if arg == "AWS::NoValue" else self.values.get(arg, {"Ref": arg})
            case "Condition":
                return self.condition(arg)
            case "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            case "Fn::Equals":
                left, right = (self.resolve(a) for a in arg)
                return left == right
            case "Fn::Not":
                return not self.resolve(arg[0])
            case "Fn::And":
                return all(self.resolve(a) for a in arg)
            case "Fn::Or":
                return any(self.resolve(a) for a in arg)
            case "Fn::Contains":
                return self.resolve(arg[1]) in self.resolve(arg[0])
            case "Fn::Join":
                return arg[0].join(self.resolve(arg[1]))
            case "Fn::Select":
                return self.resolve(arg[1])[int(arg[0])]
            case "Fn::FindInMap":
                mapping, top, second = (self.resolve(a) for a in arg)
                return self.template["Mappings"][mapping][top][second]
            case "Fn::Split":
                return self.resolve(arg[1]).split(arg[0])
            case "Fn::Sub":
                text, local = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
                for key, value in {**self.values, **local}.items():
                    if isinstance(value, str):
                        text = text.replace("${" + key + "}", value)
                return text
        return node  # GetAtt and friends: known only once deployed

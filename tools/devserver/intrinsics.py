"""The template's conditions and intrinsic functions, resolved for `make dev`'s parameter overrides.

SAM CLI resolves intrinsics only partly: an `Fn::If` whose either branch it cannot resolve (a
`Ref: AWS::NoValue`, a `!GetAtt`, a `!Condition` inside `Fn::Or`) is left as it is. The parts `make dev`
reads to act as API Gateway (security on each method, gateway responses, throttling) and as Cognito (the
user pool's resources) depend on such conditions, so they are read from the template file itself and
resolved here, as CloudFormation would for the same parameters.

A `Ref` or `!GetAtt` of a resource has no value before a deployment: it stays as it is, and `Fn::Sub`
leaves such `${Name}` in place. Other functions (`Fn::FindInMap`, `Fn::ImportValue`, ...) stay as they
are too, in values make dev does not read; a condition that does not come out true or false is an error
that names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STACK_NAME = "local"  # the stack name SAM CLI's local commands use
PSEUDO_PARAMETERS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": STACK_NAME,
}
_NO_VALUE = object()


class TemplateError(Exception):
    """The template uses something this resolver cannot give a value to."""


class Resolver:
    """Conditions and intrinsics of one template for one set of parameter values."""

    def __init__(self, template: dict[str, Any], overrides: dict[str, str]) -> None:
        self.template = template
        self.parameters: dict[str, Any] = {}
        for name, spec in (template.get("Parameters") or {}).items():
            value = overrides.get(name, spec.get("Default", ""))
            if spec.get("Type") == "CommaDelimitedList":
                # CloudFormation trims each entry of a comma-delimited list.
                value = [entry.strip() for entry in str(value).split(",")]
            self.parameters[name] = value if isinstance(value, list) else str(value)
        self._conditions: dict[str, bool] = {}

    @classmethod
    def from_file(cls, path: Path, overrides: dict[str, str]) -> Resolver:
        # SAM CLI's own YAML reader (short-form tags included); imported here so that the resolver itself
        # also runs where SAM CLI is not installed (the unit tests read the template their own way).
        from samcli.yamlhelper import yaml_parse  # noqa: PLC0415

        return cls(yaml_parse(path.read_text()), overrides)

    def condition(self, name: str) -> bool:
        """The value of a condition of the template's Conditions section."""
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"condition {name!r} is not in the template's Conditions")
            value = self._value(conditions[name])
            if not isinstance(value, bool):
                raise TemplateError(f"condition {name!r} cannot be evaluated by make dev: {value!r}")
            self._conditions[name] = value
        return self._conditions[name]

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """The resources of one type that exist for these parameters (their Condition holds), resolved."""
        found = {}
        for name, resource in (self.template.get("Resources") or {}).items():
            if resource.get("Type") != resource_type:
                continue
            if "Condition" in resource and not self.condition(resource["Condition"]):
                continue
            found[name] = self.resolve(resource.get("Properties") or {})
        return found

    def resolve(self, value: Any) -> Any:
        """`value` with every condition and intrinsic resolved; `Ref: AWS::NoValue` entries removed."""
        resolved = self._value(value)
        return None if resolved is _NO_VALUE else resolved

    # One branch per intrinsic function.
    def _value(self, value: Any) -> Any:  # noqa: PLR0911, PLR0912
        if isinstance(value, list):
            return [item for item in (self._value(v) for v in value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return self._mapping(value)
        (key, argument), *_ = value.items()
        match key:
            case "Ref":
                return self._ref(argument)
            case "Condition":
                return self.condition(argument)
            case "Fn::If":
                name, if_true, if_false = argument
                return self._value(if_true if self.condition(name) else if_false)
            case "Fn::Equals":
                left, right = (self._value(v) for v in argument)
                return left == right
            case "Fn::Not":
                return not self._value(argument[0])
            case "Fn::And":
                return all(self._value(v) for v in argument)
            case "Fn::Or":
                return any(self._value(v) for v in argument)
            case "Fn::Join":
                separator, items = argument
                return separator.join(str(v) for v in self._value(items))
            case "Fn::Split":
                separator, text = argument
                return str(self._value(text)).split(separator)
            case "Fn::Select":
                index, items = argument
                return self._value(items)[int(self._value(index))]
            case "Fn::Contains":
                items, item = (self._value(v) for v in argument)
                return item in items
            case "Fn::Sub":
                return self._sub(argument)
            case _ if key.startswith("Fn::"):  # Fn::GetAtt, and what make dev has no value for
                return value
        return self._mapping(value)

    def _mapping(self, value: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in ((k, self._value(v)) for k, v in value.items()) if v is not _NO_VALUE}

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        return {"Ref": name}  # a resource: no value before a deployment

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: self._value(v) for name, v in variables.items()}
        for name, value in {**self.parameters, **PSEUDO_PARAMETERS, **values}.items():
            if isinstance(value, str):
                text = text.replace("${" + name + "}", value)
        return text

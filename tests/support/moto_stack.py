"""Test-only glue: make the translated template creatable in moto's CloudFormation.

moto lacks what SAM's output leans on (FACTS.md): it ignores a RestApi's OpenAPI `Body`, has no
AWS::ApiGateway::Stage nor AWS::Lambda::Alias, and evaluates few condition functions. So, and only so:
conditions are decided here with tests/support/cfn.py's Evaluator, the Body's routes become
AWS::ApiGateway::Resource/Method resources, the Stage and Deployment are dropped, and what pointed at a
function's alias points at the function. Everything else goes to moto as SAM made it.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from support.cfn import ARTIFACT_BUCKET, NO_VALUE, Evaluator, artifact_key
from support.paths import ROOT

_HTTP_METHOD = {"x-amazon-apigateway-any-method": "ANY"}


def _decide_conditions(node: Any, ev: Evaluator) -> Any:
    """Replace each Fn::If by its chosen branch and drop AWS::NoValue; leave other intrinsics to moto."""
    if isinstance(node, list):
        return [v for v in (_decide_conditions(i, ev) for i in node) if v is not NO_VALUE]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Fn::If"}:
        name, then, otherwise = node["Fn::If"]
        return _decide_conditions(then if ev.condition(name) else otherwise, ev)
    if node == {"Ref": "AWS::NoValue"}:
        return NO_VALUE
    decided = {k: _decide_conditions(v, ev) for k, v in node.items()}
    return {k: v for k, v in decided.items() if v is not NO_VALUE}


def _logical_id(path: str) -> str:
    return "Route" + "".join(part.strip("{}").title().replace("_", "") for part in path.split("/"))


def _routes_as_resources(api_id: str, body: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for path, methods in body["paths"].items():
        parent: dict[str, Any] = {"Fn::GetAtt": [api_id, "RootResourceId"]}
        segments = path.strip("/").split("/")
        for depth in range(1, len(segments) + 1):
            sub_path = "/" + "/".join(segments[:depth])
            resources.setdefault(
                _logical_id(sub_path),
                {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {
                        "RestApiId": {"Ref": api_id},
                        "ParentId": parent,
                        "PathPart": segments[depth - 1],
                    },
                },
            )
            parent = {"Ref": _logical_id(sub_path)}
        for method_name, method in methods.items():
            http_method = _HTTP_METHOD.get(method_name, method_name.upper())
            integration = method["x-amazon-apigateway-integration"]
            resources[f"{_logical_id(path)}{http_method.title()}"] = {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": api_id},
                    "ResourceId": parent,
                    "HttpMethod": http_method,
                    "AuthorizationType": "COGNITO_USER_POOLS" if method.get("security") else "NONE",
                    "Integration": {
                        "Type": integration["type"].upper(),
                        "IntegrationHttpMethod": integration["httpMethod"],
                        "Uri": integration["uri"],
                    },
                },
            }
    return resources


def for_moto(translated: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    """The translated template, conditions decided for `params`, in a shape moto can create."""
    ev = Evaluator(translated, params)
    template = copy.deepcopy(translated)
    resources = {
        name: resource
        for name, resource in template["Resources"].items()
        if ("Condition" not in resource or ev.condition(resource.pop("Condition")))
        and resource["Type"] not in ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment")
    }
    resources = _decide_conditions(resources, ev)
    aliases = {
        n: r["Properties"]["FunctionName"]["Ref"]
        for n, r in resources.items()
        if r["Type"] == "AWS::Lambda::Alias"
    }
    text = json.dumps({n: r for n, r in resources.items() if n not in aliases})
    for alias, function in aliases.items():
        text = text.replace(f'{{"Ref": "{alias}"}}', f'{{"Ref": "{function}"}}').replace(
            "${" + alias + "}", "${" + function + ".Arn}"
        )
    resources = json.loads(text)
    for name, resource in list(resources.items()):
        if resource["Type"] == "AWS::ApiGateway::RestApi":
            body = resource["Properties"].pop("Body")
            resources.update(_routes_as_resources(name, body))
    template["Resources"] = resources
    for section in ("Conditions", "Rules"):
        template.pop(section, None)
    return template


def upload_code(s3: Any) -> None:
    """Zip each CodeUri/ContentUri folder to the key packaged_template() points at, as `sam package` does."""
    s3.create_bucket(Bucket=ARTIFACT_BUCKET)
    from support.template import load_template

    for resource in load_template()["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str):
                s3.put_object(
                    Bucket=ARTIFACT_BUCKET, Key=artifact_key(props[key]), Body=_zip(ROOT / props[key])
                )


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                archive.write(file, file.relative_to(folder))
    return buffer.getvalue()

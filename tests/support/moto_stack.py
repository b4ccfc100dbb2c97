"""Test-only glue: make the translated template creatable in moto's CloudFormation.

moto lacks what SAM's output leans on (FACTS.md): it ignores a RestApi's OpenAPI `Body`, has no
AWS::ApiGateway::Stage nor AWS::Lambda::Alias, and evaluates few condition functions. So, and only so:
conditions are decided here with tests/support/cfn.py's Evaluator (resources and outputs), the Body's
routes become AWS::ApiGateway::Resource/Method resources and its Cognito security definition an
AWS::ApiGateway::Authorizer, the Stage and Deployment are dropped, and what pointed at a function's alias
points at the function. Everything else goes to moto as SAM made it; the Cognito resources and the
authorizer are created by support.moto_cognito's models, the alarms, the alarm topic's policy and
subscription, the access log's metric filter and CodeDeploy's application and deployment groups by
support.moto_operations', which moto lacks too.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from support import moto_cognito, moto_operations  # noqa: F401 - register the models moto's CloudFormation lacks
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


def _authorizers_as_resources(api_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Each Cognito user pool security definition as an AWS::ApiGateway::Authorizer, named as in the Body."""
    resources: dict[str, Any] = {}
    for name, definition in body.get("securityDefinitions", {}).items():
        authorizer = definition["x-amazon-apigateway-authorizer"]
        assert authorizer["type"] == "cognito_user_pools", name
        assert definition["in"] == "header", name
        resources[f"{api_id}{name}"] = {
            "Type": "AWS::ApiGateway::Authorizer",
            "Properties": {
                "RestApiId": {"Ref": api_id},
                "Name": name,
                "Type": "COGNITO_USER_POOLS",
                "ProviderARNs": authorizer["providerARNs"],
                "IdentitySource": f"method.request.header.{definition['name']}",
            },
        }
    return resources


def _authorization(api_id: str, method: dict[str, Any]) -> dict[str, Any]:
    """A method's AuthorizationType (and AuthorizerId) from its OpenAPI `security`."""
    if not method.get("security"):
        return {"AuthorizationType": "NONE"}
    ((name, _scopes),) = (item for requirement in method["security"] for item in requirement.items())
    return {"AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": {"Ref": f"{api_id}{name}"}}


def _routes_as_resources(api_id: str, body: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = _authorizers_as_resources(api_id, body)
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
                    **_authorization(api_id, method),
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
    template["Outputs"] = _decide_conditions(
        {
            name: {k: v for k, v in output.items() if k != "Condition"}
            for name, output in template.get("Outputs", {}).items()
            if "Condition" not in output or ev.condition(output["Condition"])
        },
        ev,
    )
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

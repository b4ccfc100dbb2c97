"""Test-only: teach moto's CloudFormation the identity resources the template creates.

moto 5.2.5 has Cognito (cognito-idp) and API Gateway authorizers as APIs, but its CloudFormation has no
model for AWS::Cognito::UserPool, AWS::Cognito::UserPoolClient, AWS::Cognito::UserPoolGroup or
AWS::ApiGateway::Authorizer: create_stack skips each with the warning "Tried to parse ... but it's not
supported by moto's CloudFormation implementation", and a Ref or GetAtt to one resolves to nothing. The
models below (support.moto_models builds them) fill that gap the way moto's own models do, by calling
moto's backends with the template's properties (CloudFormation's property names are the API's, except
UserPoolName -> PoolName and EnabledMfas, which the API sets with SetUserPoolMfaConfig). Importing this
module registers them.
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import apigateway_backends
from moto.cognitoidp.models import cognitoidp_backends

from support.moto_models import Created, backend_model


@backend_model(
    "AWS::Cognito::UserPool",
    name_property="UserPoolName",
    attributes=("Arn", "ProviderName", "ProviderURL", "UserPoolId"),
)
def _user_pool(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Created:
    config = dict(props)
    name = config.pop("UserPoolName", resource_name)
    enabled_mfas = config.pop("EnabledMfas", [])
    backend = cognitoidp_backends[account_id][region_name]
    pool = backend.create_user_pool(name, config)
    if "SOFTWARE_TOKEN_MFA" in enabled_mfas:
        backend.set_user_pool_mfa_config(pool.id, None, {"Enabled": True}, pool.mfa_config)
    provider = f"cognito-idp.{region_name}.amazonaws.com/{pool.id}"
    return Created(pool.id, Arn=pool.arn, ProviderName=provider, ProviderURL=provider, UserPoolId=pool.id)


@backend_model("AWS::Cognito::UserPoolClient", name_property="ClientName", attributes=("ClientId", "Name"))
def _user_pool_client(
    props: dict[str, Any], resource_name: str, account_id: str, region_name: str
) -> Created:
    config = dict(props)
    pool_id = config.pop("UserPoolId")
    generate_secret = config.pop("GenerateSecret", False)
    config.setdefault("ClientName", resource_name)
    client = cognitoidp_backends[account_id][region_name].create_user_pool_client(
        pool_id, generate_secret, config
    )
    return Created(client.id, ClientId=client.id, Name=config["ClientName"])


@backend_model("AWS::Cognito::UserPoolGroup", name_property="GroupName")
def _user_pool_group(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Created:
    group = cognitoidp_backends[account_id][region_name].create_group(
        props["UserPoolId"],
        props.get("GroupName", resource_name),
        props.get("Description", ""),
        props.get("RoleArn"),
        props.get("Precedence"),
    )
    return Created(group.group_name)


@backend_model("AWS::ApiGateway::Authorizer", name_property="Name", attributes=("AuthorizerId",))
def _authorizer(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Created:
    authorizer = apigateway_backends[account_id][region_name].create_authorizer(
        props["RestApiId"],
        props.get("Name", resource_name),
        props["Type"],
        provider_arns=props.get("ProviderARNs"),
        identity_source=props.get("IdentitySource"),
    )
    return Created(authorizer.id, AuthorizerId=authorizer.id)

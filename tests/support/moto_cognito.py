"""Test-only: teach moto's CloudFormation the identity resources the template creates.

moto 5.2.5 has Cognito (cognito-idp) and API Gateway authorizers as APIs, but its CloudFormation has no
model for AWS::Cognito::UserPool, AWS::Cognito::UserPoolClient, AWS::Cognito::UserPoolGroup or
AWS::ApiGateway::Authorizer: create_stack skips each with the warning "Tried to parse ... but it's not
supported by moto's CloudFormation implementation", and a Ref or GetAtt to one resolves to nothing. The
models below fill that gap the way moto's own models do, by calling moto's backends with the template's
properties (CloudFormation's property names are the API's, except UserPoolName -> PoolName and
EnabledMfas, which the API sets with SetUserPoolMfaConfig). Importing this module registers them.
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import apigateway_backends
from moto.cloudformation import parsing
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.common_models import CloudFormationModel


class _Created:
    """What a created resource gives CloudFormation: Ref (the physical id) and GetAtt attributes."""

    def __init__(self, physical_resource_id: str, **attributes: str) -> None:
        self.physical_resource_id = physical_resource_id
        self.attributes = attributes

    def get_cfn_attribute(self, name: str) -> str:
        return self.attributes[name]

    def is_created(self) -> bool:
        return True  # moto's backends create synchronously


class UserPoolModel(CloudFormationModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return "UserPoolName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **_: Any,
    ) -> _Created:
        config = dict(cloudformation_json["Properties"])
        name = config.pop("UserPoolName", resource_name)
        enabled_mfas = config.pop("EnabledMfas", [])
        backend = cognitoidp_backends[account_id][region_name]
        pool = backend.create_user_pool(name, config)
        if "SOFTWARE_TOKEN_MFA" in enabled_mfas:
            backend.set_user_pool_mfa_config(pool.id, None, {"Enabled": True}, pool.mfa_config)
        provider = f"cognito-idp.{region_name}.amazonaws.com/{pool.id}"
        return _Created(
            pool.id, Arn=pool.arn, ProviderName=provider, ProviderURL=provider, UserPoolId=pool.id
        )


class UserPoolClientModel(CloudFormationModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return "ClientName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolClient"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ClientId", "Name")

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **_: Any,
    ) -> _Created:
        config = dict(cloudformation_json["Properties"])
        pool_id = config.pop("UserPoolId")
        generate_secret = config.pop("GenerateSecret", False)
        config.setdefault("ClientName", resource_name)
        client = cognitoidp_backends[account_id][region_name].create_user_pool_client(
            pool_id, generate_secret, config
        )
        return _Created(client.id, ClientId=client.id, Name=config["ClientName"])


class UserPoolGroupModel(CloudFormationModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return "GroupName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolGroup"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **_: Any,
    ) -> _Created:
        props = cloudformation_json["Properties"]
        group = cognitoidp_backends[account_id][region_name].create_group(
            props["UserPoolId"],
            props.get("GroupName", resource_name),
            props.get("Description", ""),
            props.get("RoleArn"),
            props.get("Precedence"),
        )
        return _Created(group.group_name)


class AuthorizerModel(CloudFormationModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Authorizer"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "AuthorizerId"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **_: Any,
    ) -> _Created:
        props = cloudformation_json["Properties"]
        authorizer = apigateway_backends[account_id][region_name].create_authorizer(
            props["RestApiId"],
            props.get("Name", resource_name),
            props["Type"],
            provider_arns=props.get("ProviderARNs"),
            identity_source=props.get("IdentitySource"),
        )
        return _Created(authorizer.id, AuthorizerId=authorizer.id)


# moto builds its type -> model map once, from CloudFormationModel's direct subclasses: rebuild it.
parsing.get_model_map.cache_clear()
parsing.get_name_type_map.cache_clear()

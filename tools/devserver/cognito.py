"""The local user pool: the template's own UserPool, UserPoolClient and UserPoolGroup resources, created
in moto's cognito-idp (in the guarded moto server that also holds the table), with the demo users.

Each resource's Properties go to the matching Cognito API call under the same names (the call's own
input shape decides which apply; CloudFormation-only properties such as EnabledMfas have no effect on
sign-in and are left out). moto's random generator is seeded first, so the pool id, the client id and
every user's `sub` are the same at each start: the users' profiles and orders in the table, whose keys
are those subs, still belong to them after a restart, and a token from `make token` keeps working.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from tools.devserver import demo_users
from tools.devserver.intrinsics import Resolver

REGION = "us-east-1"
MOTO_SEED = 1300  # any fixed value: the same ids at every start
# CloudFormation property -> the Cognito API parameter, where the names differ.
RENAMED = {"UserPoolName": "PoolName"}
# Cognito's id token carries every attribute the client may read; a client without ReadAttributes may
# read all of them. moto puts only the client's ReadAttributes into the token, so they are named here.
DEFAULT_READ_ATTRIBUTES = ["email", "email_verified"]


class UserPoolError(Exception):
    """The template's identity resources cannot be emulated; the message says what to do."""


@dataclass(frozen=True)
class PoolTemplate:
    pool: dict[str, Any]
    client: dict[str, Any]
    groups: list[dict[str, Any]]

    @classmethod
    def read(cls, resolver: Resolver) -> PoolTemplate | None:
        """The template's user pool for these parameters, or None when it creates none."""
        pools = resolver.resources("AWS::Cognito::UserPool")
        if not pools:
            return None
        if len(pools) > 1:
            raise UserPoolError(f"the template creates {len(pools)} user pools; make dev emulates one")
        (pool_name, pool), *_ = pools.items()
        clients = [
            c
            for c in resolver.resources("AWS::Cognito::UserPoolClient").values()
            if c.get("UserPoolId") == {"Ref": pool_name}
        ]
        if not clients:
            raise UserPoolError(f"the template has no AWS::Cognito::UserPoolClient for {pool_name}")
        groups = [
            g
            for g in resolver.resources("AWS::Cognito::UserPoolGroup").values()
            if g.get("UserPoolId") == {"Ref": pool_name}
        ]
        return cls(pool, clients[0], groups)


class LocalUserPool:
    """The pool in moto: create it, seed the demo users, sign in."""

    def __init__(self, endpoint: str, access_key_id: str) -> None:
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self.client = boto3.client(
            "cognito-idp",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=access_key_id,
            # moto checks no signature; its guard checks the key id.
            aws_secret_access_key="local",  # noqa: S106
            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=30),
        )
        # Cognito's sign-in calls are unsigned, but moto's guard serves only requests naming this run's key.
        self.client.meta.events.register("before-send.cognito-idp", self._name_the_key)
        self.pool_id = ""
        self.client_id = ""

    @property
    def authorization(self) -> str:
        return f"AWS4-HMAC-SHA256 Credential={self.access_key_id}/local/{REGION}/cognito-idp/aws4_request"

    def _name_the_key(self, request: Any, **_: Any) -> None:
        if "Authorization" not in request.headers:
            request.headers["Authorization"] = self.authorization

    @property
    def issuer(self) -> str:
        """The ID token's `iss`: Cognito's issuer URL for the pool (moto uses the same)."""
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        """moto serves the pool's keys where Cognito does, under the issuer's path."""
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"

    def create(self, template: PoolTemplate) -> None:
        self._seed_moto()
        pool = self._call("create_user_pool", template.pool)["UserPool"]
        self.pool_id = pool["Id"]
        client_properties = {"ReadAttributes": DEFAULT_READ_ATTRIBUTES, **template.client}
        client_properties["UserPoolId"] = self.pool_id
        created = self._call("create_user_pool_client", client_properties)["UserPoolClient"]
        self.client_id = created["ClientId"]
        for group in template.groups:
            self._call("create_group", {**group, "UserPoolId": self.pool_id})

    def seed_users(self) -> None:
        for email, groups in demo_users.USERS.items():
            attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
            self.client.admin_create_user(
                UserPoolId=self.pool_id, Username=email, UserAttributes=attributes, MessageAction="SUPPRESS"
            )
            self.client.admin_set_user_password(
                UserPoolId=self.pool_id, Username=email, Password=demo_users.PASSWORD, Permanent=True
            )
            for group in groups:
                self.client.admin_add_user_to_group(UserPoolId=self.pool_id, Username=email, GroupName=group)

    def sign_in(self, email: str, password: str = demo_users.PASSWORD) -> dict[str, Any]:
        """InitiateAuth with USER_PASSWORD_AUTH: the AuthenticationResult (IdToken, AccessToken, ...)."""
        reply = self.client.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        return reply["AuthenticationResult"]

    def _seed_moto(self) -> None:
        request = urllib.request.Request(  # noqa: S310
            f"{self.endpoint}/moto-api/seed?a={MOTO_SEED}",
            method="POST",
            headers={"Authorization": self.authorization},
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310

    def _call(self, operation: str, properties: dict[str, Any]) -> dict[str, Any]:
        """Call `operation` with the properties its input shape has (renamed where Cognito's differ)."""
        model = self.client.meta.service_model.operation_model(_operation_name(operation))
        members = model.input_shape.members
        arguments = {RENAMED.get(k, k): v for k, v in properties.items() if RENAMED.get(k, k) in members}
        return getattr(self.client, operation)(**_typed(arguments, model.input_shape))


def _operation_name(method: str) -> str:
    return "".join(part.capitalize() for part in method.split("_"))


def _typed(value: Any, shape: Any) -> Any:
    """CloudFormation values are strings where the API wants numbers and booleans: convert by shape."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _typed(v, shape.members[k]) if k in shape.members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_typed(item, shape.member) for item in value]
    if kind in ("integer", "long") and isinstance(value, str):
        return int(value)
    if kind == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    return value


def config_for_page(pool: LocalUserPool | None) -> dict[str, Any]:
    """What the demo page needs to sign in (GET /config.json on the demo server)."""
    if pool is None:
        return {"auth": "none"}
    return {
        "auth": "cognito",
        "region": REGION,
        "userPoolId": pool.pool_id,
        "clientId": pool.client_id,
        # Cognito's own API (InitiateAuth, GetUser, GlobalSignOut), proxied by the demo server.
        "cognitoEndpoint": "/cognito",
    }

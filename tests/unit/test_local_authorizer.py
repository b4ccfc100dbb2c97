"""make dev's Cognito authorizer (tools/devserver/authorizer.py) on real tokens of moto's cognito-idp.

The tokens come from moto's InitiateAuth, as in make dev; moto signs every pool with one key and serves
that key set at /<pool id>/.well-known/jwks.json, which is what the authorizer verifies against.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from importlib import resources

import boto3
import pytest
from joserfc import jws
from joserfc.jwk import RSAKey
from moto import mock_aws

from tools.devserver.authorizer import TokenRejected, api_gateway_claims, verify_id_token

PASSWORD = "Passw0rd!local"


def moto_jwks() -> dict:
    """The key set moto serves for every pool."""
    packaged = resources.files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz")
    return json.loads(gzip.decompress(packaged.read_bytes()))


class Pool:
    def __init__(self, client, name: str) -> None:
        self.client = client
        self.id = client.create_user_pool(PoolName=name, UsernameAttributes=["email"])["UserPool"]["Id"]
        self.issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{self.id}"
        client.create_group(GroupName="admin", UserPoolId=self.id)

    def app_client(self) -> str:
        created = self.client.create_user_pool_client(
            UserPoolId=self.id,
            ClientName="api",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            ReadAttributes=["email", "email_verified"],
        )
        return created["UserPoolClient"]["ClientId"]

    def user(self, email: str, groups: tuple[str, ...] = ()) -> None:
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        self.client.admin_create_user(
            UserPoolId=self.id, Username=email, UserAttributes=attributes, MessageAction="SUPPRESS"
        )
        self.client.admin_set_user_password(
            UserPoolId=self.id, Username=email, Password=PASSWORD, Permanent=True
        )
        for group in groups:
            self.client.admin_add_user_to_group(UserPoolId=self.id, Username=email, GroupName=group)

    def sign_in(self, client_id: str, email: str) -> dict:
        reply = self.client.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        return reply["AuthenticationResult"]


@pytest.fixture(scope="module")
def cognito():
    with mock_aws():
        client = boto3.client(
            "cognito-idp", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )
        pool = Pool(client, "local-users")
        app, other_app = pool.app_client(), pool.app_client()
        pool.user("admin@example.com", ("admin",))
        pool.user("alice@example.com")
        other_pool = Pool(client, "someone-elses-users")
        other_pools_app = other_pool.app_client()
        other_pool.user("alice@example.com")
        yield {
            "pool": pool,
            "app": app,
            "admin": pool.sign_in(app, "admin@example.com"),
            "alice": pool.sign_in(app, "alice@example.com"),
            "other_app": pool.sign_in(other_app, "alice@example.com"),
            "other_pool": other_pool.sign_in(other_pools_app, "alice@example.com"),
        }


def verify(cognito, token: str, now: float | None = None) -> dict:
    pool = cognito["pool"]
    return verify_id_token(token, jwks=moto_jwks(), issuer=pool.issuer, audience=cognito["app"], now=now)


def segments(token: str) -> list[bytes]:
    return [base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in token.split(".")]


def test_a_valid_id_token_passes_with_its_claims(cognito):
    claims = verify(cognito, cognito["admin"]["IdToken"])
    assert claims["token_use"] == "id"
    assert claims["email"] == "admin@example.com"
    assert claims["aud"] == cognito["app"]
    assert claims["cognito:groups"] == ["admin"]


def test_an_expired_token_is_rejected(cognito):
    token = cognito["alice"]["IdToken"]
    expires = json.loads(segments(token)[1])["exp"]
    assert verify(cognito, token, now=expires - 1)["email"] == "alice@example.com"
    with pytest.raises(TokenRejected, match="Expired"):
        verify(cognito, token, now=expires + 1)


def test_a_token_signed_with_another_key_is_rejected(cognito):
    # GIVEN alice's claims, promoted to admin and signed with a key of the forger's own (same kid)
    header, payload, _ = segments(cognito["alice"]["IdToken"])
    claims = {**json.loads(payload), "cognito:groups": ["admin"]}
    forged = jws.serialize_compact(json.loads(header), json.dumps(claims), RSAKey.generate_key(2048))
    # THEN the signature does not verify against the pool's keys
    with pytest.raises(TokenRejected, match="BadSignature"):
        verify(cognito, forged)


def test_a_token_whose_claims_were_edited_after_signing_is_rejected(cognito):
    header, _, signature = cognito["alice"]["IdToken"].split(".")
    claims = {**json.loads(segments(cognito["alice"]["IdToken"])[1]), "cognito:groups": ["admin"]}
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(TokenRejected, match="BadSignature"):
        verify(cognito, f"{header}.{edited}.{signature}")


def test_a_token_for_another_app_client_is_rejected(cognito):
    with pytest.raises(TokenRejected, match="aud"):
        verify(cognito, cognito["other_app"]["IdToken"])


def test_a_token_of_another_pool_is_rejected_although_moto_signs_it_with_the_same_key(cognito):
    token = cognito["other_pool"]["IdToken"]
    kid = json.loads(segments(token)[0])["kid"]
    assert kid == json.loads(segments(cognito["alice"]["IdToken"])[0])["kid"]
    with pytest.raises(TokenRejected, match="iss"):
        verify(cognito, token)


def test_an_access_token_is_not_an_id_token(cognito):
    with pytest.raises(TokenRejected):
        verify(cognito, cognito["alice"]["AccessToken"])


@pytest.mark.parametrize("prefix", ["Bearer ", "bearer ", " ", "Token "])
def test_the_header_holds_the_raw_token_only(cognito, prefix):
    with pytest.raises(TokenRejected, match="raw JWT"):
        verify(cognito, prefix + cognito["alice"]["IdToken"])


def test_an_unsigned_token_is_rejected(cognito):
    _, payload, _ = cognito["alice"]["IdToken"].split(".")
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    with pytest.raises(TokenRejected):
        verify(cognito, f"{header}.{payload}.")


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_garbage_is_rejected(cognito, token):
    with pytest.raises(TokenRejected):
        verify(cognito, token)


def test_claims_as_a_rest_apis_cognito_authorizer_passes_them(cognito):
    claims = verify(cognito, cognito["admin"]["IdToken"])
    rendered = api_gateway_claims(claims)
    assert all(isinstance(value, str) for value in rendered.values())
    assert rendered["cognito:groups"] == "admin"
    assert rendered["email_verified"] == "true"
    assert rendered["auth_time"] == str(claims["auth_time"])  # a number, not a date
    for name in ("iat", "exp"):
        assert rendered[name] == time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(claims[name]))
    assert rendered["sub"] == claims["sub"] == rendered["cognito:username"]


def test_several_groups_are_comma_separated_and_no_group_is_no_claim():
    rendered = api_gateway_claims({"sub": "s", "cognito:groups": ["admin", "editors"], "exp": 0})
    assert rendered["cognito:groups"] == "admin,editors"
    assert rendered["exp"] == "Thu Jan 01 00:00:00 UTC 1970"
    assert "cognito:groups" not in api_gateway_claims({"sub": "s"})

"""api_core.identity (the principal, from the authorizer's claims only), the AUTH settings, and user ids."""

from __future__ import annotations

import json

import pytest
from api_core.identity import Principal, parse_groups, principal_from_event
from api_core.ids import is_id, is_uuid, new_id
from api_core.settings import Auth, ConfigError, auth_from_settings, load_settings
from support.identity import ADMIN_SUB, FORMATS, OTHER_SUB, OWNER_SUB, claims_of, event_name
from support.paths import EVENTS_DIR

PROD = {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "https://app.example.com"}


def read(name: str) -> dict:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


# -- the principal ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("signed-in-admin", Principal(ADMIN_SUB, "admin@example.com", frozenset({"admin", "editors"}))),
        ("signed-in-owner", Principal(OWNER_SUB, "alice@example.com", frozenset())),
        ("signed-in-other-user", Principal(OTHER_SUB, "bob@example.com", frozenset())),
        ("no-claims", None),
    ],
)
def test_each_callers_event_reads_as_its_principal(fmt, caller, expected):
    assert principal_from_event(read(event_name(caller, fmt))) == expected


def test_the_caller_events_render_claims_as_api_gateway_does():
    # REST v1: every claim a string, groups comma-separated, dates as Java's Date.toString, auth_time in
    # epoch seconds; HTTP API v2: every claim a string, arrays as "[a b]", dates in epoch seconds.
    v1 = claims_of(read(event_name("signed-in-admin", "v1")))
    v2 = claims_of(read(event_name("signed-in-admin", "v2")))
    assert all(isinstance(value, str) for value in [*v1.values(), *v2.values()])
    assert (v1["cognito:groups"], v2["cognito:groups"]) == ("admin,editors", "[admin editors]")
    assert v1["exp"] == "Sun Nov 22 07:00:00 UTC 2026"
    assert v2["exp"] == "1795330800"
    assert v1["token_use"] == v2["token_use"] == "id"
    assert "cognito:groups" not in claims_of(read(event_name("signed-in-owner", "v1")))


@pytest.mark.parametrize(
    ("value", "groups"),
    [
        ("admin", {"admin"}),
        ("admin,editors", {"admin", "editors"}),
        ("[admin editors]", {"admin", "editors"}),
        ("[admin]", {"admin"}),
        ("[admin, editors]", {"admin", "editors"}),
        (["admin", "editors"], {"admin", "editors"}),
        ("", set()),
        ("[]", set()),
        (None, set()),
        (42, set()),
        (["admin", 7, None], {"admin"}),
        ("administrators", {"administrators"}),
    ],
)
def test_groups_in_every_rendering(value, groups):
    assert parse_groups(value) == frozenset(groups)


@pytest.mark.parametrize(
    "authorizer",
    [
        None,
        {},
        {"claims": None},
        {"claims": "sub=x"},
        {"claims": {"email": "a@example.com"}},  # no sub
        {"claims": {"sub": ""}},
        {"claims": {"sub": 42}},
        {"principalId": OWNER_SUB, "integrationLatency": 3},  # a Lambda authorizer's context: no claims
        {"jwt": {"claims": {"sub": OWNER_SUB}}},  # the v2 place, in a v1 event
    ],
)
def test_a_v1_event_without_usable_claims_has_no_principal(authorizer):
    event = read(event_name("signed-in-owner", "v1"))
    event["requestContext"]["authorizer"] = authorizer
    assert principal_from_event(event) is None


def test_a_v2_event_reads_only_the_jwt_claims():
    event = read(event_name("signed-in-owner", "v2"))
    event["requestContext"]["authorizer"] = {"claims": {"sub": ADMIN_SUB}}  # the v1 place, in a v2 event
    assert principal_from_event(event) is None
    del event["requestContext"]["authorizer"]
    assert principal_from_event(event) is None
    assert principal_from_event({"version": "2.0"}) is None
    assert principal_from_event({"requestContext": None}) is None


def test_nothing_a_client_writes_makes_a_principal():
    # GIVEN the no-claims event, with claims everywhere a client can put them
    event = read(event_name("no-claims", "v1"))
    claims = {"sub": ADMIN_SUB, "cognito:groups": "admin"}
    event["headers"].update({"sub": ADMIN_SUB, "cognito-groups": "admin", "claims": json.dumps(claims)})
    event["multiValueHeaders"].update({"claims": [json.dumps(claims)]})
    event["queryStringParameters"] = {"sub": ADMIN_SUB, "cognito:groups": "admin"}
    event["body"] = json.dumps({"requestContext": {"authorizer": {"claims": claims}}, **claims})
    # THEN no principal
    assert principal_from_event(event) is None


def test_in_group_is_exact():
    admin = Principal("s", groups=frozenset({"admin"}))
    assert admin.in_group("admin")
    assert not admin.in_group("Admin")
    assert not admin.in_group("adm")
    assert not Principal("s").in_group("admin")


# -- AUTH and ALLOW_ANONYMOUS_WRITES ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("env", "auth"),
    [
        ({"STAGE": "dev"}, Auth.NONE),  # unset means none in dev
        ({"STAGE": "dev", "AUTH": "none"}, Auth.NONE),
        ({"STAGE": "dev", "AUTH": "cognito"}, Auth.COGNITO),
        ({**PROD, "AUTH": "cognito"}, Auth.COGNITO),
        ({**PROD, "AUTH": " cognito "}, Auth.COGNITO),
        ({**PROD, "AUTH": "none", "ALLOW_ANONYMOUS_WRITES": "true"}, Auth.NONE),
        ({**PROD, "ALLOW_ANONYMOUS_WRITES": "TRUE"}, Auth.NONE),
    ],
)
def test_auth_settings_that_start(env, auth):
    assert auth_from_settings(load_settings(env)) is auth


@pytest.mark.parametrize(
    ("env", "variable", "message"),
    [
        ({"STAGE": "dev", "AUTH": "Cognito"}, "AUTH", "'none' or 'cognito'"),
        ({"STAGE": "dev", "AUTH": "iam"}, "AUTH", "'none' or 'cognito'"),
        ({"STAGE": "dev", "ALLOW_ANONYMOUS_WRITES": "yes"}, "ALLOW_ANONYMOUS_WRITES", "'true' or 'false'"),
        (PROD, "AUTH", "refused when STAGE=prod"),  # unset is none, and none is refused in prod
        ({**PROD, "AUTH": "none"}, "AUTH", "refused when STAGE=prod"),
        ({**PROD, "AUTH": "none", "ALLOW_ANONYMOUS_WRITES": "false"}, "AUTH", "ALLOW_ANONYMOUS_WRITES=true"),
    ],
)
def test_auth_settings_that_fail_at_cold_start_name_the_variable(env, variable, message):
    with pytest.raises(ConfigError) as raised:
        auth_from_settings(load_settings(env))
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: ")
    assert message in str(raised.value)


@pytest.mark.parametrize("function", ["health", "items", "users"])
def test_a_prod_function_without_an_authorizer_does_not_start(dynamodb_table, cold_start, function):
    with pytest.raises(ConfigError) as raised:
        cold_start(function, {**PROD, "AUTH": "none", "ALLOW_ANONYMOUS_WRITES": "false"})
    assert raised.value.variable == "AUTH"


# -- user ids ---------------------------------------------------------------------------------------------
# A fixed server id, not new_id() at collection: xdist's workers must collect the same test ids.
@pytest.mark.parametrize("sub", [ADMIN_SUB, OWNER_SUB, OTHER_SUB, "01a21cbc-7455-7000-8608-309701e72a68"])
def test_a_sub_and_a_server_id_are_both_user_ids(sub):
    assert is_uuid(sub)


def test_a_new_server_id_is_a_user_id():
    assert is_uuid(new_id())


def test_only_server_ids_are_ids_of_the_other_collections():
    assert not is_id(OWNER_SUB)
    assert is_id(new_id())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "42",
        "../users",
        OWNER_SUB.upper(),
        OWNER_SUB + "\n",
        OWNER_SUB[:-1],
        "5f2b8a1e-3c4d-0e6f-9a0b-1c2d3e4f5a6b",  # version 0
        "5f2b8a1e-3c4d-4e6f-ca0b-1c2d3e4f5a6b",  # not the RFC variant
        "00000000-0000-0000-0000-000000000000",
    ],
)
def test_is_uuid_refuses_anything_else(text):
    assert not is_uuid(text)

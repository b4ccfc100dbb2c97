"""API Gateway's own part as make dev reads it from template.yaml (tools/devserver/gateway.py): which
methods need a token, the gateway responses, and the throttle's token buckets. No HTTP."""

from __future__ import annotations

import json

import pytest
from support.template import load_template

from tools.devserver.gateway import GatewayRequest, GatewayResponses, Security, Throttle, TokenBucket
from tools.devserver.intrinsics import Resolver, TemplateError

ITEMS = ("/api/v1/items", "/api/v1/items/{item_id}")
PRIVATE = (
    "/api/v1/users",
    "/api/v1/users/{user_id}",
    "/api/v1/users/{user_id}/orders",
    "/api/v1/users/{user_id}/orders/{order_id}",
)
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")


def api(**overrides: str) -> dict:
    resolver = Resolver(load_template(), overrides)
    return resolver.resources("AWS::Serverless::Api")["RestApi"]


# The contract's paths that this project's template serves (a generated project may go without samples).
CONTRACT = tuple(p for p in (*ITEMS, *PRIVATE, "/api/v1/health") if p in api()["DefinitionBody"]["paths"])


def gateway_request(**changes) -> GatewayRequest:
    values = {
        "method": "POST",
        "path": "/api/v1/items",
        "headers": {"origin": "http://localhost:5173"},
        "query": {},
        "request_id": "r-1",
        "stage": "dev",
    }
    return GatewayRequest(**{**values, **changes})


@pytest.mark.parametrize("resource", CONTRACT)
@pytest.mark.parametrize("method", METHODS)
def test_with_auth_cognito_the_authorizer_covers_the_contracts_methods(resource, method):
    security = Security(api(Auth="cognito")["DefinitionBody"])
    if method == "OPTIONS" or resource == "/api/v1/health":
        expected = False  # preflights never; health is public
    elif resource in ITEMS:
        expected = method not in ("GET", "HEAD")  # anyone reads items
    else:
        expected = True
    assert security.needs_token(resource, method) is expected


def test_an_existing_pool_arn_also_turns_the_authorizer_on():
    arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc"
    with_arn = Security(api(CognitoUserPoolArn=arn)["DefinitionBody"])
    with_pool = Security(api(Auth="cognito")["DefinitionBody"])
    for path in api()["DefinitionBody"]["paths"]:
        for method in METHODS:
            assert with_arn.needs_token(path, method) is with_pool.needs_token(path, method), (path, method)


def test_with_auth_none_no_method_needs_a_token():
    security = Security(api()["DefinitionBody"])
    assert not security.any_protected
    assert not any(security.needs_token(r, m) for r in ITEMS + PRIVATE for m in METHODS)


def test_a_method_is_its_own_entry_or_any():
    paths = api(Auth="cognito")["DefinitionBody"]["paths"]
    security = Security(api(Auth="cognito")["DefinitionBody"])
    for path, entries in paths.items():
        for method in METHODS:
            expected = method if method.lower() in entries else "ANY"
            assert security.method_key(path, method.lower()) == expected, (path, method)


def test_unauthorized_is_the_templates_problem_with_the_request_origin_copied():
    responses = GatewayResponses(api(Auth="cognito")["GatewayResponses"])
    answer = responses.render("UNAUTHORIZED", gateway_request(path="/api/v1/items/abc"))
    assert answer.status == 401
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert answer.headers["Vary"] == "Origin"
    body = json.loads(answer.body)
    assert body["type"] == "urn:problem-type:unauthenticated"
    assert body["status"] == 401
    assert body["instance"] == "/api/v1/items/abc"  # $context.path substituted


def test_a_single_prod_origin_is_a_fixed_header_and_a_missing_origin_copies_nothing():
    # One origin for every CORS tier (the app's and the admin's): the template fixes it, with credentials
    one = "https://app.example.com"
    parameters = {"Auth": "cognito", "Stage": "prod", "AllowedOrigins": one, "AdminOrigins": one}
    responses = GatewayResponses(api(**parameters)["GatewayResponses"])
    fixed = responses.render("UNAUTHORIZED", gateway_request(headers={"origin": "https://evil.example"}))
    assert fixed.headers["Access-Control-Allow-Origin"] == one
    assert fixed.headers["Access-Control-Allow-Credentials"] == "true"
    copied = GatewayResponses(api()["GatewayResponses"]).render("THROTTLED", gateway_request(headers={}))
    assert "Access-Control-Allow-Origin" not in copied.headers


def test_tiers_with_their_own_origins_copy_the_origin_and_never_send_credentials():
    # The app's and the admin's origins differ: a gateway response cannot tell which tier a path is in,
    # so it copies the Origin and allows no credentials (docs/ARCHITECTURE.md, API Gateway's own responses)
    parameters = {
        "Auth": "cognito",
        "Stage": "prod",
        "AllowedOrigins": "https://app.example.com",
        "AdminOrigins": "https://admin.example.com",
    }
    responses = GatewayResponses(api(**parameters)["GatewayResponses"])
    answer = responses.render(
        "UNAUTHORIZED", gateway_request(headers={"origin": "https://admin.example.com"})
    )
    assert answer.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_types_the_template_does_not_define_fall_back_to_default_4xx_with_api_gateways_bodies():
    responses = GatewayResponses(
        api(AllowedOrigins="https://a.example.com,https://b.example.com")["GatewayResponses"]
    )
    missing = responses.render("MISSING_AUTHENTICATION_TOKEN", gateway_request(method="GET"))
    throttled = responses.render("THROTTLED", gateway_request())
    assert (missing.status, json.loads(missing.body)) == (403, {"message": "Missing Authentication Token"})
    assert (throttled.status, json.loads(throttled.body)) == (429, {"message": "Too Many Requests"})
    for answer in (missing, throttled):
        assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
        assert answer.headers["Vary"] == "Origin"
        # Several origins: DEFAULT_4XX cannot tell which may read with credentials, so it allows none.
        assert "Access-Control-Allow-Credentials" not in answer.headers
        assert answer.headers["Content-Type"] == "application/json"


def test_without_gateway_responses_api_gateways_defaults_apply():
    answer = GatewayResponses(None).render("UNAUTHORIZED", gateway_request())
    assert (answer.status, answer.body) == (401, '{"message":"Unauthorized"}')
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_context_variables_and_status_overrides_are_rendered():
    responses = GatewayResponses(
        {
            "DEFAULT_4XX": {
                "StatusCode": "400",
                "ResponseParameters": {"Headers": {"X-Q": "method.request.querystring.q", "X-Fixed": "'a'"}},
                "ResponseTemplates": {
                    "application/json": '{"id":"$context.requestId","t":"${context.error.responseType}",'
                    '"m":$context.error.messageString,"u":"$context.unknown"}'
                },
            }
        }
    )
    answer = responses.render("THROTTLED", gateway_request(query={"q": "x"}, request_id="r-9"))
    assert answer.status == 400  # DEFAULT_4XX's status applies to the types it stands in for
    assert json.loads(answer.body) == {"id": "r-9", "t": "THROTTLED", "m": "Too Many Requests", "u": ""}
    assert (answer.headers["X-Q"], answer.headers["X-Fixed"]) == ("x", "a")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_the_burst_then_the_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now = 0.5  # one token back at 2 a second
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now = 100  # never more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_the_stages_method_settings_give_each_method_its_own_bucket():
    clock = Clock()
    settings = api(ThrottlingRateLimit="1", ThrottlingBurstLimit="2")["MethodSettings"]
    throttle = Throttle(settings, clock=clock)
    assert [throttle.allows("/api/v1/items", "GET") for _ in range(3)] == [True, True, False]
    assert throttle.allows("/api/v1/items", "ANY")  # another method, another bucket
    assert throttle.allows("/api/v1/health", "ANY")


def test_a_method_setting_for_one_resource_overrides_the_stage_default():
    clock = Clock()
    throttle = Throttle(
        [
            {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1},
            {"ResourcePath": "/~1api~1v1~1health", "HttpMethod": "GET", "ThrottlingBurstLimit": 3},
        ],
        clock=clock,
    )
    assert [throttle.allows("/api/v1/health", "GET") for _ in range(4)] == [True, True, True, False]
    assert [throttle.allows("/api/v1/items", "GET") for _ in range(2)] == [True, False]


def test_no_throttling_settings_means_no_bucket():
    throttle = Throttle([{"ResourcePath": "/*", "HttpMethod": "*", "LoggingLevel": "INFO"}])
    assert all(throttle.allows("/api/v1/items", "GET") for _ in range(1000))


def test_conditions_are_evaluated_as_cloudformation_does_and_unknown_functions_stay():
    template = {
        "Parameters": {
            "Auth": {"Type": "String", "Default": "none"},
            "Arn": {"Type": "String", "Default": ""},
        },
        "Conditions": {
            "HasArn": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Arn"}, ""]}]},
            "Uses": {"Fn::Or": [{"Fn::Equals": [{"Ref": "Auth"}, "cognito"]}, {"Condition": "HasArn"}]},
            "Odd": {"Fn::FindInMap": ["M", "a", "b"]},
        },
    }
    assert Resolver(template, {}).condition("Uses") is False
    assert Resolver(template, {"Auth": "cognito"}).condition("Uses") is True
    assert Resolver(template, {"Arn": "arn:x"}).condition("Uses") is True
    resolver = Resolver(template, {})
    value = {"a": {"Fn::If": ["Uses", 1, {"Ref": "AWS::NoValue"}]}, "b": {"Fn::ImportValue": "x"}}
    assert resolver.resolve(value) == {"b": {"Fn::ImportValue": "x"}}
    with pytest.raises(TemplateError, match="Odd"):
        resolver.condition("Odd")

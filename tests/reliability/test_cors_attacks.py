"""CORS misconfiguration classes (OWASP WSTG-CLNT-07, PortSwigger's CORS research) against a prod policy.

Complements tests/unit/test_cors_*.py and tests/handlers/test_cors_*.py (docs/RELIABILITY.md maps which
attack each test covers): here, every attack origin through the policy and through the real handler, and
the ways dev reflection might be switched on in a prod stack.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from api_core.settings import ConfigError, cors_policy_from_settings, load_settings
from support.cfn import Evaluator
from support.handlers import ALLOWED_ORIGIN, DISALLOWED_ORIGIN, PROD_ENV, invoke
from support.paths import ROOT
from support.template import functions, load_template

# Prod allows https://app.example.com and https://*.preview.example.com (support.handlers.PROD_ENV).
ATTACKS = {
    "arbitrary origin": "https://evil.example.net",
    "null (sandboxed iframe, file:)": "null",
    "allowed host as prefix": "https://app.example.com.evil.net",
    "allowed host as suffix": "https://evilapp.example.com",
    "allowed host as suffix, dotted": "https://evil.app.example.com",
    "substring": "https://xapp.example.comx",
    "registrable domain only": "https://example.com",
    "pattern's base host": "https://preview.example.com",
    "pattern, other scheme": "http://pr-1.preview.example.com",
    "pattern, other port": "https://pr-1.preview.example.com:8443",
    "pattern lookalike": "https://pr-1.preview-example.com",
    "pattern as suffix": "https://pr-1.preview.example.com.evil.net",
    "scheme downgrade": "http://app.example.com",
    "other scheme": "wss://app.example.com",
    "other port": "https://app.example.com:444",
    "explicit default port": "https://app.example.com:443",
    "uppercase host": "https://APP.example.com",
    "uppercase scheme": "HTTPS://app.example.com",
    "trailing slash": "https://app.example.com/",
    "trailing dot": "https://app.example.com.",
    "path": "https://app.example.com/x",
    "query": "https://app.example.com?x",
    "fragment": "https://app.example.com#x",
    "two origins, comma": f"{ALLOWED_ORIGIN}, https://evil.example.net",
    "two origins, space": f"{ALLOWED_ORIGIN} https://evil.example.net",
    "allowed twice in one value": f"{ALLOWED_ORIGIN},{ALLOWED_ORIGIN}",
    "unicode host": "https://äpp.example.com",
    "punycode of it": "https://xn--pp-via.example.com",
    "fullwidth dot": "https://app\uff0eexample.com",
    "percent-encoded dot": "https://app%2eexample.com",
    "percent-encoded host": "https://%61pp.example.com",
    "backslash": "https://app.example.com\\@evil.net",
    "userinfo @": "https://app.example.com@evil.net",
    "userinfo before": "https://evil.net@app.example.com",
    "NUL": "https://app.example.com\x00.evil.net",
    "tab": "https://app.example.com\t",
    "leading space": " https://app.example.com",
    "underscore": "https://app_example.com",
    "IP literal": "https://127.0.0.1",
    "empty": "",
}


@pytest.fixture
def prod_policy():
    return cors_policy_from_settings(load_settings(PROD_ENV))


@pytest.mark.parametrize("origin", ATTACKS.values(), ids=ATTACKS.keys())
def test_the_prod_policy_refuses_every_attack_origin(prod_policy, figures, origin):
    figures("CORS attacks", cases=1)
    assert prod_policy.check_origin((origin,)) is not None
    preflight = prod_policy.preflight(
        (origin,), request_method="PUT", request_headers="content-type", served_methods=frozenset({"PUT"})
    )
    assert preflight.refusal is not None
    assert not any(name.lower().startswith("access-control-allow") for name in preflight.headers)


def test_every_attack_through_the_real_handler(dynamodb_table, cold_start, load_event, figures):
    # GIVEN the items function in prod
    items = cold_start("items", PROD_ENV)
    sent = 0
    for origin in ATTACKS.values():
        # a read is served without Access-Control-Allow-*; a write is 403 before the app; a preflight 403
        read = invoke(items, load_event("items-get-list", headers={"Origin": origin}))
        write = invoke(items, load_event("items-post-create", headers={"Origin": origin}))
        preflight = invoke(
            items, load_event("items-options-preflight-put-allowed-origin", headers={"Origin": origin})
        )
        sent += 3
        assert read.status == 200
        assert read.cors_headers() == {}, origin
        if origin:  # an empty Origin is no Origin: a server-to-server write, served
            assert write.status == 403, (origin, write.body)
            assert preflight.status == 403, origin
        assert write.cors_headers() == {}
        assert preflight.cors_headers() == {}
        for result in (read, write, preflight):
            assert ALLOWED_ORIGIN not in result.body  # a refusal never lists the allowed origins
    assert dynamodb_table.scan()["Items"] == [] or all(
        r["SK"] != "#COUNT" or r["total"] <= 1 for r in dynamodb_table.scan()["Items"]
    )
    figures("CORS attacks", cases=len(ATTACKS), requests=sent)


# -- where the Origin is read from: any map of a v1 event ------------------------------------------------
def _v1_post(load_event, *, single: str | None, multi: list[str] | None, spelling: str = "Origin"):
    """A REST v1 create whose `headers` and `multiValueHeaders` hold the given Origin values; the other
    headers stay in both maps, so multiValueHeaders is never empty (hand-made producers, not API Gateway)."""
    event = load_event("items-post-create", headers={"Origin": None})
    assert event["multiValueHeaders"]  # non-empty, without Origin
    if single is not None:
        event["headers"][spelling] = single
    if multi is not None:
        event["multiValueHeaders"][spelling] = multi
    return event


ORIGIN_PLACES = [
    # (case, headers' Origin, multiValueHeaders' Origin, spelling, expected status, allowed origin echoed)
    ("refused, only in headers", DISALLOWED_ORIGIN, None, "Origin", 403, None),
    ("refused, only in headers, lowercase name", DISALLOWED_ORIGIN, None, "origin", 403, None),
    ("refused, only in headers, multi empty list", DISALLOWED_ORIGIN, [], "Origin", 403, None),
    ("allowed in multi, refused in headers", DISALLOWED_ORIGIN, [ALLOWED_ORIGIN], "Origin", 403, None),
    ("refused in multi, allowed in headers", ALLOWED_ORIGIN, [DISALLOWED_ORIGIN], "Origin", 403, None),
    ("allowed, only in headers", ALLOWED_ORIGIN, None, "Origin", 201, ALLOWED_ORIGIN),
    (
        "allowed, both maps agree: one occurrence",
        ALLOWED_ORIGIN,
        [ALLOWED_ORIGIN],
        "Origin",
        201,
        ALLOWED_ORIGIN,
    ),
]


@pytest.mark.parametrize(
    ("single", "multi", "spelling", "status", "echoed"),
    [case[1:] for case in ORIGIN_PLACES],
    ids=[case[0] for case in ORIGIN_PLACES],
)
def test_an_origin_anywhere_in_a_v1_event_counts(
    dynamodb_table, cold_start, load_event, figures, single, multi, spelling, status, echoed
):
    # GIVEN the items function in prod, and a create whose Origin is in one map, the other, or both
    items = cold_start("items", PROD_ENV)
    event = _v1_post(load_event, single=single, multi=multi, spelling=spelling)
    # WHEN it is invoked
    result = invoke(items, event)
    figures("CORS attacks", cases=1, requests=1)
    # THEN a refused origin, or two different ones, is a 403 before the app and nothing is written; an
    # allowed one that both maps hold is one occurrence, allowed as usual
    assert result.status == status, result.body
    assert result.cors_headers().get("access-control-allow-origin") == echoed
    written = [item for item in dynamodb_table.scan()["Items"] if item["SK"] != "#COUNT"]
    assert len(written) == (1 if status == 201 else 0)


# -- dev reflection cannot be switched on in prod -------------------------------------------------------
@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "*"}, "CORS_ALLOWED_ORIGINS"),
        ({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": ""}, "CORS_ALLOWED_ORIGINS"),
        ({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": " , "}, "CORS_ALLOWED_ORIGINS"),
        ({"STAGE": "prod"}, "CORS_ALLOWED_ORIGINS"),
        ({"STAGE": "", "CORS_ALLOWED_ORIGINS": ""}, "STAGE"),
        ({"CORS_ALLOWED_ORIGINS": ""}, "STAGE"),  # missing: never defaults to dev
        ({"STAGE": "Prod", "CORS_ALLOWED_ORIGINS": ""}, "STAGE"),
        ({"STAGE": "production", "CORS_ALLOWED_ORIGINS": "*"}, "STAGE"),
        ({"STAGE": "prod ", "CORS_ALLOWED_ORIGINS": "*"}, "CORS_ALLOWED_ORIGINS"),
    ],
)
@pytest.mark.parametrize("function", sorted(functions()))  # every function of template.yaml
def test_no_environment_makes_a_prod_function_reflect(
    dynamodb_table, cold_start, monkeypatch, figures, env, variable, function
):
    # GIVEN an environment without the variables, then the given ones
    for name in ("STAGE", "CORS_ALLOWED_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    # WHEN the function cold-starts THEN the import fails, naming the variable
    with pytest.raises(ConfigError) as raised:
        cold_start(function, env)
    assert raised.value.variable == variable
    figures("CORS attacks", cases=1)


def test_the_template_passes_stage_through_and_allows_only_dev_or_prod(figures):
    template = load_template()
    assert template["Parameters"]["Stage"]["AllowedValues"] == ["dev", "prod"]
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["STAGE"] == {"Ref": "Stage"}
    assert env["CORS_ALLOWED_ORIGINS"] == {"Fn::Join": [",", {"Ref": "AllowedOrigins"}]}
    # no function overrides STAGE or the origin list with its own value
    for resource in template["Resources"].values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        assert "STAGE" not in variables
        assert "CORS_ALLOWED_ORIGINS" not in variables
    # and prod with a reflecting list is refused by the Rules before any function exists (with an
    # authorizer, so that only the origins decide: prod without one is refused anyway, issue 13)
    # Every CORS tier's origin parameter is held to the same Rules, the other one valid.
    prod = {
        "Stage": "prod",
        "Auth": "cognito",
        "AllowedOrigins": "https://app.example.com",
        "AdminOrigins": "https://admin.example.com",
    }
    refused_by_rules = (
        "",
        "*",
        "https://app.example.com,*",
        "*,https://app.example.com",
        "https://a.example,",
    )
    for parameter in ("AllowedOrigins", "AdminOrigins"):
        for origins in refused_by_rules:
            assert Evaluator(template, {**prod, parameter: origins}).rule_failures(), (parameter, origins)
        # A blank entry (" ") gets past the Rules, but fails closed: the functions refuse to start (the
        # environment cases above, and the admin tier's in handlers/test_cors_tiers_in_functions.py), so
        # it never reflects.
        assert Evaluator(template, {**prod, parameter: " "}).rule_failures() == []
    # and `make deploy-prod`'s check refuses it before SAM runs
    refused_by_check = (" ", "*", "")
    for origins in refused_by_check:
        check = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "check-prod-origins.py"), "--allowed-origins", origins],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode != 0, (origins, check.stdout)
    figures("CORS attacks", cases=len(refused_by_rules) + 1 + len(refused_by_check))

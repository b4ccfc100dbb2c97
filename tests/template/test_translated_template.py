"""What CloudFormation would create: template.yaml translated offline by SAM's own transform.

Properties that depend on parameters are resolved with tests/support/cfn.py's Evaluator for the parameter
set under test, so each test reads what a dev, a prod or a Cognito-protected stack would get.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from typing import Any

import pytest
from api_core.settings import ConfigError, cors_policy_from_settings, load_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from support.cfn import Evaluator, translate
from support.paths import ROOT
from support.template import api_events, load_template

USER_POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
PROD = {"Stage": "prod", "AllowedOrigins": "https://app.example.com"}
ANY = "x-amazon-apigateway-any-method"
READ_METHODS = ("get", "head", "options")


@cache
def _translated(params: frozenset[tuple[str, str]]) -> dict[str, Any]:
    return translate(dict(params))


def stack(**params: str) -> tuple[dict[str, Any], Evaluator]:
    """The translated template and an evaluator bound to the same parameter values."""
    template = _translated(frozenset(params.items()))
    return template, Evaluator(template, params)


def resources_of(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def api_body(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]["RestApi"]["Properties"]["Body"]


def integrated_function(template: dict[str, Any], method: dict[str, Any]) -> str:
    """The logical id of the function a method's Lambda proxy integration calls (through its alias)."""
    integration = method["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy", integration
    uri = integration["uri"] if isinstance(integration["uri"], str) else integration["uri"]["Fn::Sub"]
    match = re.search(r"functions/\$\{(\w+)\}/invocations", uri)
    assert match, integration["uri"]
    alias = template["Resources"][match.group(1)]
    assert alias["Type"] == "AWS::Lambda::Alias"
    return alias["Properties"]["FunctionName"]["Ref"]


def event_routes() -> dict[str, str]:
    """path -> function, from the Api events in template.yaml (the intended routing)."""
    routes = {}
    for event in api_events():
        assert event.method == "ANY", "every route carries every method"
        routes[event.path] = event.resource
    return routes


# --- routes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"CognitoUserPoolArn": USER_POOL_ARN}])
def test_every_route_maps_to_its_intended_function(params: dict[str, str]):
    template, ev = stack(**params)
    paths = ev.resolve(api_body(template))["paths"]
    expected = event_routes()
    assert set(paths) == set(expected)
    assert expected["/api/v1/health"] == "HealthFunction"
    assert expected["/api/v1/users/{user_id}/orders/{order_id}"] == "UsersFunction"
    for path, methods in paths.items():
        assert ANY in methods, f"{path}: methods other than GET/HEAD/OPTIONS would not be routed"
        for method_name, method in methods.items():
            assert integrated_function(template, method) == expected[path], (path, method_name)


def test_every_route_has_an_invoke_permission_for_any_method_and_stage():
    template, _ = stack()
    source_arns = {
        p["Properties"]["SourceArn"]["Fn::Sub"][0].split("${__Stage__}/", 1)[1]: p["Properties"][
            "FunctionName"
        ]
        for p in resources_of(template, "AWS::Lambda::Permission").values()
    }
    for path, function in event_routes().items():
        # any method (*), the path with each {parameter} as *
        assert source_arns["*" + re.sub(r"\{\w+\}", "*", path)] == {"Ref": f"{function}Aliaslive"}


@pytest.mark.parametrize("params", [{}, {"CognitoUserPoolArn": USER_POOL_ARN}])
def test_options_reaches_the_functions_never_a_mock_integration(params: dict[str, str]):
    template, ev = stack(**params)
    body = ev.resolve(api_body(template))
    assert '"mock"' not in json.dumps(body)
    for path, methods in body["paths"].items():
        # API Gateway serves OPTIONS from an explicit `options` method, else from ANY.
        preflight = methods.get("options", methods[ANY])
        assert integrated_function(template, preflight) == event_routes()[path]


# --- functions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", ["HealthFunction", "ItemsFunction", "UsersFunction"])
def test_every_function_has_the_layer_and_the_shared_environment(function: str):
    template, ev = stack(**PROD)
    props = template["Resources"][function]["Properties"]
    (layer,) = props["Layers"]
    assert template["Resources"][layer["Ref"]]["Type"] == "AWS::Lambda::LayerVersion"
    env = ev.resolve(props["Environment"]["Variables"])
    assert env["STAGE"] == "prod"
    assert env["CORS_ALLOWED_ORIGINS"] == "https://app.example.com"
    assert env["POWERTOOLS_SERVICE_NAME"] == function.removesuffix("Function").lower()
    assert props["Runtime"] == "python3.13"


def test_only_the_table_functions_know_the_table():
    template, _ = stack()
    for function, expects_table in (
        ("HealthFunction", False),
        ("ItemsFunction", True),
        ("UsersFunction", True),
    ):
        env = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert (env.get("TABLE_NAME") == {"Ref": "Table"}) is expects_table, function


def _role(template: dict[str, Any], function: str) -> dict[str, Any]:
    role_ref = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    return template["Resources"][role_ref]["Properties"]


def test_health_has_no_database_access_at_all():
    template, _ = stack()
    role = _role(template, "HealthFunction")
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    assert "Policies" not in role
    assert "dynamodb" not in json.dumps(role).lower()


@pytest.mark.parametrize("function", ["ItemsFunction", "UsersFunction"])
def test_table_functions_get_crud_on_their_table_only(function: str):
    template, _ = stack()
    role = _role(template, function)
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    actions = {a for s in statements for a in s["Action"]}
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= actions
    assert all(a.startswith("dynamodb:") and "*" not in a for a in actions)
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for resource in statement["Resource"]:
            pattern, variables = resource["Fn::Sub"]
            assert variables == {"tableName": {"Ref": "Table"}}
            assert re.fullmatch(r".*:table/\$\{tableName\}(/index/\*)?", pattern)


# --- prod guard rails ---------------------------------------------------------------------------------


ORIGIN_CASES = [
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com"}, False),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com,https://*.preview.example.com"}, False),
    ({"Stage": "prod", "AllowedOrigins": "http://localhost:5173"}, False),
    ({"Stage": "prod", "AllowedOrigins": ""}, True),
    ({"Stage": "prod"}, True),  # the parameter's default
    ({"Stage": "prod", "AllowedOrigins": "*"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com,*"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com,"}, True),
    # blank entries and anything that is not an http(s) origin: the parameter's AllowedPattern
    ({"Stage": "prod", "AllowedOrigins": " "}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com, "}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com, https://b.example.com"}, False),  # trimmed
    ({"Stage": "prod", "AllowedOrigins": "app.example.com"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com/"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com/path"}, True),
    ({"Stage": "prod", "AllowedOrigins": "ftp://app.example.com"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://App.Example.com"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://*"}, True),
    ({"Stage": "prod", "AllowedOrigins": "null"}, True),
    # what the functions refuse at cold start, so the pattern refuses it too (issue 19)
    ({"Stage": "prod", "AllowedOrigins": "http://app.example.com:80"}, True),  # explicit default port
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com:443"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com:0"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com:065"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://app.example.com:65536"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://-app.example.com"}, True),  # label starts with '-'
    ({"Stage": "prod", "AllowedOrigins": "https://app-.example.com"}, True),  # ... or ends with it
    ({"Stage": "prod", "AllowedOrigins": "https://app..example.com"}, True),
    ({"Stage": "prod", "AllowedOrigins": f"https://{'a' * 64}.example.com"}, True),  # label over 63
    ({"Stage": "prod", "AllowedOrigins": "https://*.com"}, True),  # a pattern over a single label
    ({"Stage": "prod", "AllowedOrigins": "https://*.127.0.0.1"}, True),
    ({"Stage": "prod", "AllowedOrigins": "https://*.*.example.com"}, True),
    ({"Stage": "prod", "AllowedOrigins": "http://app.example.com:443"}, False),  # not http's default
    ({"Stage": "prod", "AllowedOrigins": "http://[::1]:8080"}, False),
    ({"Stage": "dev", "AllowedOrigins": ""}, False),
    ({"Stage": "dev", "AllowedOrigins": "*"}, False),
    ({"Stage": "dev", "AllowedOrigins": "https://*.preview.example.com"}, False),
    ({"Stage": "dev", "AllowedOrigins": " "}, False),  # trimmed to the empty list
    ({"Stage": "dev", "AllowedOrigins": "app.example.com"}, True),
]


def as_cloudformation_parses(params: dict[str, str]) -> dict[str, str]:
    """CloudFormation trims each entry of a CommaDelimitedList before any check ("each member string is
    space trimmed", AWS CloudFormation User Guide, Parameters section syntax)."""
    parsed = dict(params)
    if "AllowedOrigins" in parsed:
        parsed["AllowedOrigins"] = ",".join(entry.strip() for entry in parsed["AllowedOrigins"].split(","))
    return parsed


def parameter_constraint_failures(template: dict[str, Any], params: dict[str, str]) -> list[str]:
    """What CloudFormation refuses before the Rules: AllowedValues and AllowedPattern of each parameter.

    Both apply to each entry of a CommaDelimitedList ("the pattern must match each value in the list",
    AWS CloudFormation User Guide, Parameters section syntax). CloudFormation's regexes are Java's, and a
    pattern must match the whole value; Python's fullmatch agrees for the patterns this template uses.
    """
    failures = []
    for name, spec in template["Parameters"].items():
        raw = str(params.get(name, spec.get("Default", "")))
        values = raw.split(",") if spec["Type"] == "CommaDelimitedList" else [raw]
        for value in values:
            if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
                failures.append(f"{name}: {value!r} is not one of the allowed values")
            if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
                failures.append(f"{name}: {value!r} {spec['ConstraintDescription'].strip()}")
    return failures


@pytest.mark.parametrize(("params", "refused"), ORIGIN_CASES)
def test_rules_refuse_prod_without_an_explicit_origin_list(params: dict[str, str], refused: bool):
    # GIVEN the parameters and Rules as CloudFormation receives them (the transform keeps both)
    template, ev = stack()
    assert template["Rules"] == load_template()["Rules"]
    assert template["Parameters"]["AllowedOrigins"] == load_template()["Parameters"]["AllowedOrigins"]
    # WHEN CloudFormation parses and checks the parameter values, then evaluates the Rules
    parsed = as_cloudformation_parses(params)
    failures = parameter_constraint_failures(template, parsed) + Evaluator(template, parsed).rule_failures()
    # THEN prod is refused exactly when the list is empty, has an empty or blank entry, has '*', or has an
    # entry that is not an http(s) origin; dev keeps its empty list and '*' (dev reflection)
    assert bool(failures) is refused, failures
    assert parameter_constraint_failures(template, {}) + ev.rule_failures() == []  # the defaults (dev) deploy


@pytest.mark.parametrize("entry", [" ", "\t", " https://app.example.com", "https://app.example.com "])
def test_the_origin_pattern_refuses_blank_and_padded_entries_even_untrimmed(entry: str):
    # Should CloudFormation ever check an entry before trimming it, a blank entry still could not pass
    # (the Rules see "" only after trimming): the pattern admits no whitespace at all.
    pattern = load_template()["Parameters"]["AllowedOrigins"]["AllowedPattern"]
    assert re.fullmatch(pattern, entry) is None
    assert re.fullmatch(pattern, entry.strip()) is not None


@cache
def check_prod_origins() -> Any:
    """tools/check-prod-origins.py as a module (its file name is not an importable name)."""
    spec = importlib.util.spec_from_file_location(
        "check_prod_origins", ROOT / "tools" / "check-prod-origins.py"
    )
    assert spec is not None
    assert spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_the_template_and_the_deploy_check_agree_on_prod_origins():
    # `make deploy-prod` refuses early (tools/check-prod-origins.py) what CloudFormation would refuse late;
    # they must agree on every case, or one of them lets through what the other was written to stop.
    tool = check_prod_origins()
    template, _ = stack()
    for params, refused in ORIGIN_CASES:
        if params["Stage"] != "prod":
            continue
        try:
            tool.check_origins(params.get("AllowedOrigins"))
            tool_refuses = False
        except tool.Refused:
            tool_refuses = True
        parsed = as_cloudformation_parses(params)
        cloudformation_refuses = bool(
            parameter_constraint_failures(template, parsed) + Evaluator(template, parsed).rule_failures()
        )
        assert tool_refuses is cloudformation_refuses is refused, params


# -- one origin grammar: the deploy check, the functions' cold start and the template (issue 19) ---------
_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,4}[a-z0-9])?", fullmatch=True)
_BAD_LABELS = ["-a", "a-", "-", "a_b", "A", "*", "", "a" * 64, "xn--", "\u00e4", "a%2e"]
# Parents for subdomain patterns: public suffixes (ICANN, private section, a wildcard rule, IDN), then
# registrable names, some of them right under a public suffix or an exception rule.
_PARENTS = [
    *("com", "co.uk", "github.io", "herokuapp.com", "vercel.app", "foo.ck", "kobe.jp", "xn--55qx5d.cn"),
    *("example.com", "preview.example.com", "www.ck", "city.kobe.jp", "app.github.io", "a.vercel.app"),
]
# One flaw per entry at most, in one part; each list is what a hand-typed value gets wrong.
_FLAWS = {
    "scheme": ["HTTPS", "Http", "ftp", "wss", "", "https:"],
    "sep": [":/", "//", "", ":///"],
    "wild": ["*", "*.*.", "a.*.", "*-", ".*."],
    "host": [
        *("[::1]", "[::]", "[fe80::1]", "[::1", "[g::1]", "127.0.0.1", "1.2", "localhost", "a..b", ".a.b"),
        *(".".join(["a" * 63] * 3 + ["a" * length]) for length in (61, 62)),  # 253 and 254 long
    ],
    "port": [":80", ":443", ":0", ":08", ":065", ":65535", ":65536", ":", ":99999", ":1"],
    "tail": ["/", "/x", "?q", "#f", "@evil.net", " x", "\t", ".", "\\"],
}


@st.composite
def allowed_origin_entries(draw: st.DrawFn) -> str:
    """One AllowedOrigins entry: a valid origin or subdomain pattern, or one with a single flaw."""
    parts = {"scheme": draw(st.sampled_from(["https", "http"])), "sep": "://", "port": "", "tail": ""}
    labels = draw(st.lists(_LABEL, min_size=1, max_size=3))
    if draw(st.booleans()):
        under = draw(st.lists(_LABEL, max_size=1))  # *.parent, or *.label.parent
        parts["wild"], parts["host"] = "*.", ".".join([*under, draw(st.sampled_from(_PARENTS))])
    else:
        parts["wild"], parts["host"] = "", ".".join(labels)
    if draw(st.integers(0, 3)) == 0:
        parts["port"] = draw(st.sampled_from([":8443", ":5173", ":80", ":443"]))
    flaw = draw(st.sampled_from([None, None, None, None, "label", *_FLAWS]))
    if flaw == "label":
        bad = draw(st.sampled_from(_BAD_LABELS))
        position = draw(st.integers(0, len(labels) - 1))
        parts["host"] = ".".join([*labels[:position], bad, *labels[position + 1 :]])
    elif flaw == "port":
        parts["port"] = draw(st.sampled_from(_FLAWS["port"]) | st.integers(0, 99999).map(":{}".format))
    elif flaw is not None:
        parts[flaw] = draw(st.sampled_from(_FLAWS[flaw]))
    return "{scheme}{sep}{wild}{host}{port}{tail}".format(**parts)


ORIGIN_LISTS = st.lists(
    allowed_origin_entries() | st.sampled_from(["", " ", "*", "null", " https://app.example.com "]),
    min_size=1,
    max_size=2,
).map(",".join)


def cold_start_refusal(env_value: str) -> str | None:
    """Why a prod function would refuse to start with this CORS_ALLOWED_ORIGINS, or None if it starts."""
    try:
        cors_policy_from_settings(load_settings({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": env_value}))
    except ConfigError as error:
        return str(error)
    return None


@settings(max_examples=600, deadline=None)
@given(value=ORIGIN_LISTS)
def test_the_deploy_check_the_cold_start_and_the_template_agree_on_generated_origins(value: str, figures):
    # GIVEN a prod AllowedOrigins value: valid origins and patterns, near misses and mutations
    template, _ = stack()
    parsed = as_cloudformation_parses({"Stage": "prod", "AllowedOrigins": value})
    # WHEN make deploy-prod's check, CloudFormation (pattern, then Rules) and a function's cold start, with
    # the list the template joins into CORS_ALLOWED_ORIGINS, each judge it
    try:
        check_prod_origins().check_origins(value)
        deploy_check_accepts = True
    except check_prod_origins().Refused:
        deploy_check_accepts = False
    template_accepts = not (
        parameter_constraint_failures(template, parsed) + Evaluator(template, parsed).rule_failures()
    )
    refusal = cold_start_refusal(parsed["AllowedOrigins"])
    figures(
        "origin grammar",
        cases=1,
        accepted=int(refusal is None),
        public_suffix=int(refusal is not None and "Public Suffix List" in refusal),
        disagreements=int(deploy_check_accepts is not (refusal is None)),
    )
    # THEN the deploy check passes exactly what the functions accept: no deploy reports success and then
    # serves nothing but errors
    assert deploy_check_accepts is (refusal is None), (value, refusal)
    # and the template is no looser than the functions, but for what no regex can hold (the Public Suffix
    # List); nor stricter, so the deploy check never passes what CloudFormation then refuses
    if template_accepts and refusal is not None:
        assert "Public Suffix List" in refusal, (value, refusal)
    if refusal is None:
        assert template_accepts, value


@pytest.mark.parametrize(("stage", "protected"), [("prod", True), ("dev", False)])
def test_prod_turns_on_point_in_time_recovery_and_deletion_protection(stage: str, protected: bool):
    template, ev = stack(Stage=stage, AllowedOrigins="https://app.example.com")
    table = ev.resolve(template["Resources"]["Table"]["Properties"])
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": protected}
    assert table["DeletionProtectionEnabled"] is protected


# --- gateway responses --------------------------------------------------------------------------------


def _gateway_headers(template: dict[str, Any], ev: Evaluator, response_type: str) -> dict[str, str]:
    responses = ev.resolve(api_body(template)["x-amazon-apigateway-gateway-responses"])
    params = responses[response_type]["responseParameters"]
    return {k.removeprefix("gatewayresponse.header."): v for k, v in params.items()}


@pytest.mark.parametrize("response_type", ["DEFAULT_4XX", "DEFAULT_5XX"])
@pytest.mark.parametrize(
    ("params", "allow_origin", "credentials"),
    [
        # one exact origin: a fixed Allow-Origin, so only that origin can read, with credentials
        (PROD, "'https://app.example.com'", "'true'"),
        # a list or a pattern: the request's Origin echoed, never with credentials
        (
            {"Stage": "prod", "AllowedOrigins": "https://a.example.com,https://b.example.com"},
            "method.request.header.Origin",
            None,
        ),
        (
            {"Stage": "dev", "AllowedOrigins": "https://*.preview.example.com"},
            "method.request.header.Origin",
            None,
        ),
        # dev reflection (empty list) mirrors the layer: echo, with credentials
        ({"Stage": "dev", "AllowedOrigins": ""}, "method.request.header.Origin", "'true'"),
    ],
)
def test_gateway_errors_are_readable_by_allowed_origins_without_widening_credentials(
    response_type: str, params: dict[str, str], allow_origin: str, credentials: str | None
):
    template, ev = stack(**params)
    headers = _gateway_headers(template, ev, response_type)
    assert headers["Access-Control-Allow-Origin"] == allow_origin
    assert headers.get("Access-Control-Allow-Credentials") == credentials
    assert headers["Vary"] == "'Origin'"
    # Never a wildcard: it would be useless with credentials and is what prod refuses.
    assert "*" not in headers["Access-Control-Allow-Origin"]


def test_prod_with_several_origins_never_sends_credentials_to_an_echoed_origin():
    for origins in ("https://a.example.com,https://b.example.com", "https://*.preview.example.com"):
        template, ev = stack(Stage="prod", AllowedOrigins=origins)
        for response_type in ("DEFAULT_4XX", "DEFAULT_5XX"):
            headers = _gateway_headers(template, ev, response_type)
            echoed = headers["Access-Control-Allow-Origin"].startswith("method.request")
            assert not (echoed and "Access-Control-Allow-Credentials" in headers)


# --- throttling, logs ---------------------------------------------------------------------------------


def _stage(template: dict[str, Any]) -> dict[str, Any]:
    (stage,) = resources_of(template, "AWS::ApiGateway::Stage").values()
    return stage["Properties"]


@pytest.mark.parametrize(
    ("params", "rate", "burst"),
    [({}, "100", "200"), ({"ThrottlingRateLimit": "25", "ThrottlingBurstLimit": "50"}, "25", "50")],
)
def test_stage_throttles_every_method(params: dict[str, str], rate: str, burst: str):
    template, ev = stack(**params)
    (setting,) = ev.resolve(_stage(template)["MethodSettings"])
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (rate, burst)


def test_stage_writes_json_access_logs_to_a_log_group_with_retention():
    template, ev = stack(LogRetentionInDays="90")
    access = _stage(template)["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(access["Format"])  # the format itself is one JSON object
    assert line["requestId"] == "$context.requestId"
    assert {"status", "httpMethod", "resourcePath", "errorResponseType", "integrationLatency"} <= set(line)
    log_group = ev.resolve(template["Resources"]["ApiAccessLogGroup"]["Properties"])
    assert log_group["RetentionInDays"] == "90"


def test_every_function_logs_to_its_own_log_group_with_retention():
    template, ev = stack()
    functions = resources_of(template, "AWS::Lambda::Function")
    assert len(functions) == 3
    for function in functions.values():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert ev.resolve(template["Resources"][group]["Properties"])["RetentionInDays"] == "30"
    groups = [f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for f in functions.values()]
    assert len(set(groups)) == len(groups)


@pytest.mark.parametrize(("choice", "created"), [("create", True), ("existing", False)])
def test_api_gateway_logging_role_is_created_only_when_asked_and_kept(choice: str, created: bool):
    template, ev = stack(ApiGatewayLoggingRole=choice)
    for name in ("ApiGatewayAccount", "ApiGatewayLoggingRoleResource"):
        resource = template["Resources"][name]
        assert ev.condition(resource["Condition"]) is created
        assert resource["DeletionPolicy"] == "Retain"
    # The stage must not start before the account knows the role: an edge through the log group.
    tags = ev.resolve(template["Resources"]["ApiAccessLogGroup"]["Properties"]).get("Tags", [])
    assert (tags == [{"Key": "api-gateway-account", "Value": {"Ref": "ApiGatewayAccount"}}]) is created


# --- optional Cognito authorizer ----------------------------------------------------------------------


def test_cognito_pool_protects_writes_and_never_the_preflight():
    # GIVEN a stack translated with a user pool ARN
    template, ev = stack(CognitoUserPoolArn=USER_POOL_ARN)
    body = ev.resolve(api_body(template))
    authorizer = body["securityDefinitions"]["CognitoAuthorizer"]
    assert authorizer["x-amazon-apigateway-authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": [USER_POOL_ARN],
    }
    for path, methods in body["paths"].items():
        if path == "/api/v1/health":
            # THEN health stays public
            assert all("security" not in m for m in methods.values())
            continue
        # THEN POST/PUT/PATCH/DELETE (ANY) need a token, GET/HEAD/OPTIONS carry no authorizer
        assert methods[ANY]["security"] == [{"CognitoAuthorizer": []}], path
        for read in READ_METHODS:
            assert "security" not in methods[read], (path, read)


def test_without_a_pool_no_method_has_an_authorizer():
    template, ev = stack()
    body = ev.resolve(api_body(template))
    assert body["securityDefinitions"] == {}
    assert all("security" not in m for methods in body["paths"].values() for m in methods.values())


def test_cognito_parameter_accepts_only_a_user_pool_arn_or_nothing():
    pattern = re.compile(load_template()["Parameters"]["CognitoUserPoolArn"]["AllowedPattern"])
    assert pattern.fullmatch("")
    assert pattern.fullmatch(USER_POOL_ARN)
    assert not pattern.fullmatch("us-east-1_AbCdEf123")
    assert not pattern.fullmatch("arn:aws:cognito-idp:us-east-1:123456789012:identitypool/x")


# --- architecture and SnapStart -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "arch", "snapstart"),
    [
        ({}, "x86_64", "None"),
        ({"Architecture": "arm64", "SnapStart": "PublishedVersions"}, "arm64", "PublishedVersions"),
    ],
)
def test_architecture_and_snapstart_follow_the_parameters(params: dict[str, str], arch: str, snapstart: str):
    template, ev = stack(**params)
    for name, function in resources_of(template, "AWS::Lambda::Function").items():
        props = ev.resolve(function["Properties"])
        assert props["Architectures"] == [arch]
        assert props["SnapStart"] == {"ApplyOn": snapstart}
        # SnapStart applies to published versions only: the API must call an alias of one
        alias = template["Resources"][f"{name}Aliaslive"]["Properties"]
        assert alias["FunctionVersion"]["Fn::GetAtt"][1] == "Version"
    (layer,) = resources_of(template, "AWS::Lambda::LayerVersion").values()
    assert ev.resolve(layer["Properties"]["CompatibleArchitectures"]) == [arch]

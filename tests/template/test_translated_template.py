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
from api_core.cors.tiers import Origins, resolve_tiers
from api_core.routes import RouteTable
from api_core.settings import ConfigError, Stage, cors_policy_from_settings, load_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from support.cfn import Evaluator, translate
from support.paths import FUNCTIONS_DIR, ROOT
from support.template import api_events, load_template

USER_POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
ADMIN_ORIGINS = {"AdminOrigins": "https://admin.example.com"}  # the admin CORS tier's, required in prod
PROD = {"Stage": "prod", "AllowedOrigins": "https://app.example.com", "Auth": "cognito", **ADMIN_ORIGINS}
ANY = "x-amazon-apigateway-any-method"
# The parameter sets that put an authorizer on the API, and those that do not.
WITH_AUTHORIZER = [{"Auth": "cognito"}, {"CognitoUserPoolArn": USER_POOL_ARN}, PROD]
WITHOUT_AUTHORIZER = [{}, {"Auth": "none"}, {**PROD, "Auth": "none", "AllowAnonymousWrites": "true"}]


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


@pytest.mark.parametrize("params", [{}, *WITH_AUTHORIZER])
def test_every_route_maps_to_its_intended_function(params: dict[str, str]):
    template, ev = stack(**params)
    paths = ev.resolve(api_body(template))["paths"]
    expected = event_routes()
    assert set(paths) == set(expected)
    assert expected["/api/v1/health"] == "HealthFunction"
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


@pytest.mark.parametrize("params", [{}, *WITH_AUTHORIZER])
def test_options_reaches_the_functions_never_a_mock_integration(params: dict[str, str]):
    template, ev = stack(**params)
    body = ev.resolve(api_body(template))
    assert '"mock"' not in json.dumps(body)
    for path, methods in body["paths"].items():
        # API Gateway serves OPTIONS from an explicit `options` method, else from ANY.
        preflight = methods.get("options", methods[ANY])
        assert integrated_function(template, preflight) == event_routes()[path]


# --- functions ----------------------------------------------------------------------------------------


FUNCTIONS = sorted(
    name for name, r in load_template()["Resources"].items() if r["Type"] == "AWS::Serverless::Function"
)
TABLE_FUNCTIONS = [
    name
    for name in FUNCTIONS
    if "TABLE_NAME" in load_template()["Resources"][name]["Properties"]["Environment"]["Variables"]
]


@pytest.mark.parametrize("function", FUNCTIONS)
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


@pytest.mark.parametrize(
    ("params", "auth", "anonymous_writes"),
    [
        ({}, "none", "false"),
        ({"Auth": "cognito"}, "cognito", "false"),
        ({"CognitoUserPoolArn": USER_POOL_ARN}, "cognito", "false"),  # an existing pool, Auth left at none
        ({"Auth": "cognito", "CognitoUserPoolArn": USER_POOL_ARN}, "cognito", "false"),
        (PROD, "cognito", "false"),
        ({**PROD, "Auth": "none", "AllowAnonymousWrites": "true"}, "none", "true"),
    ],
)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_knows_whether_an_authorizer_guards_it(
    function: str, params: dict[str, str], auth: str, anonymous_writes: str
):
    # GIVEN a stack with or without an authorizer WHEN a function reads its environment
    template, ev = stack(**params)
    env = ev.resolve(template["Resources"][function]["Properties"]["Environment"]["Variables"])
    # THEN AUTH says whether API Gateway checks tokens (the layer re-checks), and the prod waiver is passed
    # on as given, so the functions refuse at cold start what the Rules refuse
    assert env["AUTH"] == auth
    assert env["ALLOW_ANONYMOUS_WRITES"] == anonymous_writes


def test_only_the_table_functions_know_the_table():
    template, _ = stack()
    assert "HealthFunction" not in TABLE_FUNCTIONS
    for function in FUNCTIONS:
        env = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert (env.get("TABLE_NAME") == {"Ref": "Table"}) is (function in TABLE_FUNCTIONS), function


def _role(template: dict[str, Any], function: str) -> dict[str, Any]:
    role_ref = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    return template["Resources"][role_ref]["Properties"]


# Logs, and X-Ray writes: SAM grants AWSXrayWriteOnlyAccess to every function whose Tracing is an
# intrinsic (here !If TracingOn), in every stage; it writes trace segments and reads sampling rules only.
MANAGED_POLICIES = [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
]


def test_health_has_no_database_access_at_all():
    template, _ = stack()
    role = _role(template, "HealthFunction")
    assert role["ManagedPolicyArns"] == MANAGED_POLICIES
    assert "Policies" not in role
    assert "dynamodb" not in json.dumps(role).lower()


# The functions given DynamoDBCrudPolicy (the collections; the admin console only reads counters).
CRUD_FUNCTIONS = [
    name
    for name in FUNCTIONS
    if any(
        "DynamoDBCrudPolicy" in p
        for p in load_template()["Resources"][name]["Properties"].get("Policies", [])
    )
]


@pytest.mark.parametrize("function", CRUD_FUNCTIONS)
def test_table_functions_get_crud_on_their_table_only(function: str):
    template, _ = stack()
    role = _role(template, function)
    assert role["ManagedPolicyArns"] == MANAGED_POLICIES
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


# % if samples == "all"
def test_the_admin_function_only_reads_the_collections_counters():
    # GIVEN the admin function's role
    template, _ = stack()
    role = _role(template, "AdminFunction")
    # (SAM adds X-Ray's write-only policy to every function role, since Tracing is an intrinsic)
    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    ]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    # THEN it may GetItem on the table, in the ITEMS and USERS partitions, and nothing else: no write, no
    # query or scan, no index, no other partition (no idempotency records, no user's orders, no email)
    assert statements == [
        {
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": {"Fn::GetAtt": ["Table", "Arn"]},
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["ITEMS", "USERS"]}},
        }
    ]


@pytest.mark.parametrize("params", [{}, PROD])
def test_only_the_functions_with_a_tier_read_its_origins(params: dict[str, str]):
    # GIVEN the tiers the functions declare whose origins come from the environment (their routes.json)
    tool = check_prod_origins()
    template, ev = stack(**params)
    for function in FUNCTIONS:
        code_uri = load_template()["Resources"][function]["Properties"]["CodeUri"]
        variables = {
            tier.variable
            for tier in RouteTable.from_manifest(ROOT / code_uri / "routes.json").tiers
            if tier.origins is Origins.FROM_ENVIRONMENT
        }
        env = ev.resolve(template["Resources"][function]["Properties"]["Environment"]["Variables"])
        tier_env = {name for name in env if name.startswith("CORS_") and name != "CORS_ALLOWED_ORIGINS"}
        # THEN each such function gets exactly its tiers' variables, from a parameter the deploy check knows
        assert tier_env == variables, function
        raw = load_template()["Resources"][function]["Properties"]["Environment"]["Variables"]
        for parameter, variable in tool.ORIGIN_PARAMETERS.items():
            if variable in variables:
                assert raw[variable] == {"Fn::Join": [",", {"Ref": parameter}]}, function
        assert variables <= set(tool.ORIGIN_PARAMETERS.values()), function


@pytest.mark.parametrize(("params", "admin_origins"), [({}, ""), (PROD, "https://admin.example.com")])
def test_the_admin_function_reads_the_admin_origins(params: dict[str, str], admin_origins: str):
    template, ev = stack(**params)
    env = ev.resolve(template["Resources"]["AdminFunction"]["Properties"]["Environment"]["Variables"])
    assert env["CORS_ADMIN_ALLOWED_ORIGINS"] == admin_origins


# % endif
# --- prod guard rails ---------------------------------------------------------------------------------


# Every CORS tier's origin parameter: those held to AllowedOrigins' grammar.
ORIGIN_PARAMETERS = sorted(
    name
    for name, spec in load_template()["Parameters"].items()
    if spec.get("AllowedPattern") == load_template()["Parameters"]["AllowedOrigins"]["AllowedPattern"]
)

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
    for name in ORIGIN_PARAMETERS:
        if name in parsed:
            parsed[name] = ",".join(entry.strip() for entry in parsed[name].split(","))
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


def cloudformation_refusals(template: dict[str, Any], params: dict[str, str]) -> list[str]:
    """Why CloudFormation would refuse these parameters: constraints first, then the Rules."""
    parsed = as_cloudformation_parses(params)
    return parameter_constraint_failures(template, parsed) + Evaluator(template, parsed).rule_failures()


def signed_in(params: dict[str, str]) -> dict[str, str]:
    """The parameters with an authorizer and the admin tier's origins, so that in prod only the origins
    under test decide."""
    return {"Auth": "cognito", **ADMIN_ORIGINS, **params}


def for_parameter(params: dict[str, str], parameter: str) -> dict[str, str]:
    """An ORIGIN_CASES entry with its AllowedOrigins value given to `parameter` instead, every other origin
    parameter valid and an authorizer: only the value under test decides."""
    valid = {
        name: f"https://{name.removesuffix('Origins').lower()}.example.com" for name in ORIGIN_PARAMETERS
    }
    moved = {(parameter if key == "AllowedOrigins" else key): value for key, value in params.items()}
    return {"Auth": "cognito", **{k: v for k, v in valid.items() if k != parameter}, **moved}


def test_every_tier_has_an_origin_parameter():
    assert ORIGIN_PARAMETERS == ["AdminOrigins", "AllowedOrigins"]


@pytest.mark.parametrize("parameter", ORIGIN_PARAMETERS)
@pytest.mark.parametrize(("params", "refused"), ORIGIN_CASES)
def test_rules_refuse_prod_without_an_explicit_origin_list(
    params: dict[str, str], refused: bool, parameter: str
):
    # GIVEN the parameters and Rules as CloudFormation receives them (the transform keeps both)
    template, ev = stack()
    assert template["Rules"] == load_template()["Rules"]
    assert template["Parameters"][parameter] == load_template()["Parameters"][parameter]
    # WHEN CloudFormation parses and checks one tier's parameter values, then evaluates the Rules
    parsed = as_cloudformation_parses(for_parameter(params, parameter))
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


@pytest.mark.parametrize("parameter", ORIGIN_PARAMETERS)
def test_the_template_and_the_deploy_check_agree_on_prod_origins(parameter: str):
    # `make deploy-prod` refuses early (tools/check-prod-origins.py) what CloudFormation would refuse late;
    # they must agree on every case, or one of them lets through what the other was written to stop.
    tool = check_prod_origins()
    assert sorted(tool.ORIGIN_PARAMETERS) == ORIGIN_PARAMETERS  # the tool checks every tier's parameter
    template, _ = stack()
    for params, refused in ORIGIN_CASES:
        if params["Stage"] != "prod":
            continue
        try:
            tool.check_origins(params.get("AllowedOrigins"), parameter)
            tool_refuses = False
        except tool.Refused:
            tool_refuses = True
        cloudformation_refuses = bool(cloudformation_refusals(template, for_parameter(params, parameter)))
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


def cold_start_refusal(parameter: str, value: str) -> str | None:
    """Why a prod function would refuse to start with this value of an origin parameter, or None if every
    function starts: the environment's policy, then every function's tiers (their routes.json), resolved
    as `lazy_handler` resolves them."""
    variables = check_prod_origins().ORIGIN_PARAMETERS
    # every other origin variable valid, as for_parameter makes every other origin parameter
    valid = for_parameter({}, parameter)
    environ = {
        "STAGE": "prod",
        "AUTH": "cognito",
        **{variables[name]: valid[name] for name in valid if name in variables},
    }
    environ[variables[parameter]] = value
    try:
        environment = cors_policy_from_settings(load_settings(environ))
        for manifest in sorted(FUNCTIONS_DIR.glob("*/routes.json")):
            tiers = RouteTable.from_manifest(manifest).tiers
            resolve_tiers(environment, None, tiers, stage=Stage.PROD, environ=environ)
    except ConfigError as error:
        return str(error)
    return None


def judge_generated_origins(parameter: str, value: str, figures: Any) -> None:
    # GIVEN a prod value of an origin parameter: valid origins and patterns, near misses and mutations
    template, _ = stack()
    parsed = as_cloudformation_parses(for_parameter({"Stage": "prod", "AllowedOrigins": value}, parameter))
    # WHEN make deploy-prod's check, CloudFormation (pattern, then Rules) and the functions' cold start, with
    # the list the template joins into the parameter's variable, each judge it
    try:
        check_prod_origins().check_origins(value, parameter)
        deploy_check_accepts = True
    except check_prod_origins().Refused:
        deploy_check_accepts = False
    template_accepts = not (
        parameter_constraint_failures(template, parsed) + Evaluator(template, parsed).rule_failures()
    )
    refusal = cold_start_refusal(parameter, parsed[parameter])
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


@settings(max_examples=600, deadline=None)
@given(value=ORIGIN_LISTS)
def test_the_deploy_check_the_cold_start_and_the_template_agree_on_generated_origins(value: str, figures):
    judge_generated_origins("AllowedOrigins", value, figures)


@settings(max_examples=200, deadline=None)
@given(value=ORIGIN_LISTS)
def test_they_agree_on_generated_origins_of_the_admin_tier_too(value: str, figures):
    # The same grammar and rules, through the admin function's tier (CORS_ADMIN_ALLOWED_ORIGINS)
    judge_generated_origins("AdminOrigins", value, figures)


@pytest.mark.parametrize(("stage", "protected"), [("prod", True), ("dev", False)])
def test_prod_turns_on_point_in_time_recovery_and_deletion_protection(stage: str, protected: bool):
    template, ev = stack(Stage=stage, AllowedOrigins="https://app.example.com", Auth="cognito")
    table = ev.resolve(template["Resources"]["Table"]["Properties"])
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": protected}
    assert table["DeletionProtectionEnabled"] is protected


# --- gateway responses --------------------------------------------------------------------------------


def _gateway_headers(template: dict[str, Any], ev: Evaluator, response_type: str) -> dict[str, str]:
    responses = ev.resolve(api_body(template)["x-amazon-apigateway-gateway-responses"])
    params = responses[response_type]["responseParameters"]
    return {k.removeprefix("gatewayresponse.header."): v for k, v in params.items()}


GATEWAY_RESPONSES = sorted(load_template()["Resources"]["RestApi"]["Properties"]["GatewayResponses"])


def test_the_authorizers_answers_are_among_the_gateway_responses():
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "ACCESS_DENIED"} <= set(GATEWAY_RESPONSES)


@pytest.mark.parametrize("response_type", GATEWAY_RESPONSES)
@pytest.mark.parametrize(
    ("params", "allow_origin", "credentials"),
    [
        # one exact origin, the same for every tier: a fixed Allow-Origin, so only that origin can read,
        # with credentials
        (
            {**PROD, "AdminOrigins": PROD["AllowedOrigins"]},
            "'https://app.example.com'",
            "'true'",
        ),
        # tiers with different origins: a gateway response cannot tell them apart, so it is never
        # credentialed; the request's Origin echoed
        (PROD, "method.request.header.Origin", None),
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
        # dev reflection (every list empty) mirrors the layer: echo, with credentials
        ({"Stage": "dev", "AllowedOrigins": ""}, "method.request.header.Origin", "'true'"),
        # ... but not when one tier lists origins: they are not the other tier's
        (
            {"Stage": "dev", "AllowedOrigins": "", "AdminOrigins": "https://admin.example.com"},
            "method.request.header.Origin",
            None,
        ),
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


TIER_LISTS = [
    "",
    "https://app.example.com",
    "https://admin.example.com",
    "https://a.example.com,https://b.example.com",
]


@pytest.mark.parametrize("admin", TIER_LISTS)
@pytest.mark.parametrize("app", TIER_LISTS)
@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_credentialed_gateway_response_is_readable_by_an_origin_of_another_tier(
    stage: str, app: str, admin: str
):
    # GIVEN the two tiers' origins (empty: dev reflection, any origin)
    template, ev = stack(Stage=stage, AllowedOrigins=app, AdminOrigins=admin)
    tiers = [set(app.split(",")) if app else None, set(admin.split(",")) if admin else None]  # None: any
    for response_type in GATEWAY_RESPONSES:
        headers = _gateway_headers(template, ev, response_type)
        if headers.get("Access-Control-Allow-Credentials") != "'true'":
            continue
        # WHEN a gateway response is credentialed THEN the origins that can read it are in every tier
        allow_origin = headers["Access-Control-Allow-Origin"]
        if allow_origin == "method.request.header.Origin":  # any origin can read it
            assert tiers == [None, None], (response_type, tiers)
        else:
            readable = allow_origin.strip("'")
            assert all(tier is not None and readable in tier for tier in tiers), (response_type, tiers)


def test_prod_with_several_origins_never_sends_credentials_to_an_echoed_origin():
    for origins in ("https://a.example.com,https://b.example.com", "https://*.preview.example.com"):
        template, ev = stack(Stage="prod", AllowedOrigins=origins)
        for response_type in GATEWAY_RESPONSES:
            headers = _gateway_headers(template, ev, response_type)
            echoed = headers["Access-Control-Allow-Origin"].startswith("method.request")
            assert not (echoed and "Access-Control-Allow-Credentials" in headers)


# What API Gateway puts in for the variables the templates use (a sample request).
CONTEXT = {
    "$context.path": "/dev/api/v1/users/abc",
    "$context.error.message": "User is not authorized to access this resource",
}


@pytest.mark.parametrize(
    ("response_type", "status", "problem_type", "title"),
    [
        ("UNAUTHORIZED", 401, "urn:problem-type:unauthenticated", "Unauthorized"),
        ("ACCESS_DENIED", 403, "urn:problem-type:forbidden", "Forbidden"),
    ],
)
@pytest.mark.parametrize("params", [PROD, {}])
def test_the_authorizers_refusals_are_problem_json_with_the_same_cors_headers(
    params: dict[str, str], response_type: str, status: int, problem_type: str, title: str
):
    # GIVEN the API's gateway responses
    template, ev = stack(**params)
    responses = ev.resolve(api_body(template)["x-amazon-apigateway-gateway-responses"])
    response = responses[response_type]
    headers = _gateway_headers(template, ev, response_type)
    # THEN the status is the authorizer's, the body a problem document as the layer writes them
    assert response["statusCode"] == str(status)
    assert headers.pop("Content-Type") == "'application/problem+json'"
    (template_text,) = response["responseTemplates"].values()
    assert set(response["responseTemplates"]) == {"application/json"}
    for variable, value in CONTEXT.items():
        template_text = template_text.replace(variable, value)
    assert "$" not in template_text  # only variables API Gateway substitutes
    problem = json.loads(template_text)
    assert (problem["type"], problem["title"], problem["status"]) == (problem_type, title, status)
    assert problem["instance"] == CONTEXT["$context.path"]
    assert problem["detail"]
    # AND the CORS headers are exactly those of every other API Gateway error, so a page can read it
    assert headers == _gateway_headers(template, ev, "DEFAULT_4XX")


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
    assert sorted(functions) == FUNCTIONS
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


# --- identity: Auth, the user pool, the authorizer -----------------------------------------------------

# Which methods need a token, by the function a route calls (issue 13's rules): items are read by anyone;
# users and their orders are private. Preflights (options) never need one. Any other function given the
# table is a collection as `make resource` writes it (README, "Add your own resource"): anyone reads, a
# token is needed for the rest (ANY). A function without the table and without a decision here fails
# test_every_function_has_a_decided_authorization_policy.
DECIDED = {
    "HealthFunction": set(),
    # % if samples != "none"
    "ItemsFunction": {ANY},
    # % endif
    # % if samples == "all"
    "UsersFunction": {"get", "head", ANY},
    "AdminFunction": {"get", "head", ANY},
    # % endif
}
PROTECTED_METHODS = {
    function: DECIDED.get(function, {ANY} if function in TABLE_FUNCTIONS else None) for function in FUNCTIONS
}
POOL_RESOURCES = {
    "UserPool": "AWS::Cognito::UserPool",
    "UserPoolClient": "AWS::Cognito::UserPoolClient",
    "AdminGroup": "AWS::Cognito::UserPoolGroup",
}
POOL_OUTPUTS = ("UserPoolId", "UserPoolClientId", "UserPoolIssuer")


def test_every_function_has_a_decided_authorization_policy():
    assert [f for f, methods in PROTECTED_METHODS.items() if methods is None] == []
    assert set(PROTECTED_METHODS) == set(event_routes().values())


def secured_methods(body: dict[str, Any]) -> dict[str, set[str]]:
    """path -> the methods whose definition carries the Cognito authorizer."""
    secured = {}
    for path, methods in body["paths"].items():
        for name, method in methods.items():
            if "security" in method:
                assert method["security"] == [{"CognitoAuthorizer": []}], (path, name)
        secured[path] = {name for name, method in methods.items() if "security" in method}
    return secured


@pytest.mark.parametrize("params", WITH_AUTHORIZER)
def test_the_authorizer_guards_exactly_the_protected_methods(params: dict[str, str]):
    # GIVEN a stack with an authorizer (its own pool, or an existing pool's ARN)
    template, ev = stack(**params)
    body = ev.resolve(api_body(template))
    # WHEN the methods of every route are read
    routes = event_routes()
    # THEN exactly the protected methods carry it: no more (reads of items, health), no fewer
    assert secured_methods(body) == {path: PROTECTED_METHODS[routes[path]] for path in routes}
    for path, methods in body["paths"].items():
        # % if samples == "all"
        # on users and orders that is every method but OPTIONS: GET and HEAD, and ANY for the rest (POST,
        # PUT, PATCH, DELETE and any method added later)
        if routes[path] == "UsersFunction":
            assert PROTECTED_METHODS["UsersFunction"] == set(methods) - {"options"}, path
        # % endif
        # and wherever a token is needed, the preflight is a method of its own: it never falls into ANY
        if PROTECTED_METHODS[routes[path]]:
            assert "security" not in methods["options"], path


@pytest.mark.parametrize("params", WITHOUT_AUTHORIZER)
def test_without_an_authorizer_no_method_needs_a_token(params: dict[str, str]):
    template, ev = stack(**params)
    body = ev.resolve(api_body(template))
    assert body["securityDefinitions"] == {}
    assert secured_methods(body) == {path: set() for path in body["paths"]}
    assert not resources_of(template, "AWS::ApiGateway::Authorizer")


def test_there_is_no_default_authorizer_a_preflight_could_inherit():
    for params in [*WITH_AUTHORIZER, *WITHOUT_AUTHORIZER]:
        template, ev = stack(**params)
        body = ev.resolve(api_body(template))
        assert "security" not in body, params  # an API-wide default would cover OPTIONS too
        assert all("security" not in m.get("options", {}) for m in body["paths"].values()), params


@pytest.mark.parametrize(
    ("params", "provider"),
    [
        ({"Auth": "cognito"}, {"Fn::GetAtt": ["UserPool", "Arn"]}),
        ({"CognitoUserPoolArn": USER_POOL_ARN}, USER_POOL_ARN),
        # an existing pool wins: no second pool is created next to it
        ({"Auth": "cognito", "CognitoUserPoolArn": USER_POOL_ARN}, USER_POOL_ARN),
    ],
)
def test_the_authorizer_checks_tokens_of_the_right_pool(params: dict[str, str], provider: Any):
    template, ev = stack(**params)
    authorizer = ev.resolve(api_body(template))["securityDefinitions"]["CognitoAuthorizer"]
    assert authorizer["x-amazon-apigateway-authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": [provider],
    }
    # the raw ID token in Authorization, as API Gateway's Cognito authorizer reads it
    assert (authorizer["in"], authorizer["name"]) == ("header", "Authorization")
    creates_pool = provider != USER_POOL_ARN
    for name, type_ in POOL_RESOURCES.items():
        resource = template["Resources"][name]
        assert resource["Type"] == type_
        assert ev.condition(resource["Condition"]) is creates_pool, name
    for name in POOL_OUTPUTS:
        assert ev.condition(template["Outputs"][name]["Condition"]) is creates_pool, name


@pytest.mark.parametrize("params", WITHOUT_AUTHORIZER)
def test_without_cognito_no_pool_is_created(params: dict[str, str]):
    template, ev = stack(**params)
    for name in POOL_RESOURCES:
        assert ev.condition(template["Resources"][name]["Condition"]) is False, name
    for name in POOL_OUTPUTS:
        assert ev.condition(template["Outputs"][name]["Condition"]) is False, name


@pytest.mark.parametrize(("stage", "protection"), [("dev", "INACTIVE"), ("prod", "ACTIVE")])
def test_the_user_pool_signs_in_by_email_and_only_admins_create_accounts(stage: str, protection: str):
    template, ev = stack(**{**PROD, "Stage": stage})
    pool = ev.resolve(template["Resources"]["UserPool"]["Properties"])
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True  # no self sign-up
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[f"Require{kind}"] is True for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    # TOTP on offer, never forced (password sign-in keeps working), never SMS
    assert (pool["MfaConfiguration"], pool["EnabledMfas"]) == ("OPTIONAL", ["SOFTWARE_TOKEN_MFA"])
    assert pool["DeletionProtection"] == protection


def test_the_app_client_is_public_and_signs_in_with_password_srp_and_refresh():
    template, ev = stack(Auth="cognito")
    client = ev.resolve(template["Resources"]["UserPoolClient"]["Properties"])
    assert client["UserPoolId"] == {"Ref": "UserPool"}
    assert client["GenerateSecret"] is False  # a browser cannot keep a secret
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    group = ev.resolve(template["Resources"]["AdminGroup"]["Properties"])
    assert group == {**group, "GroupName": "admin", "UserPoolId": {"Ref": "UserPool"}}


def test_the_stack_outputs_the_pool_the_client_and_the_issuer():
    template, ev = stack(Auth="cognito", AllowedOrigins="https://app.example.com")
    outputs = {name: ev.resolve(template["Outputs"][name]["Value"]) for name in POOL_OUTPUTS}
    assert outputs["UserPoolId"] == {"Ref": "UserPool"}
    assert outputs["UserPoolClientId"] == {"Ref": "UserPoolClient"}
    # the `iss` of the pool's tokens; ${UserPool} is the pool id, known once deployed
    assert outputs["UserPoolIssuer"] == "https://cognito-idp.us-east-1.amazonaws.com/${UserPool}"


AUTH_CASES = [
    ({"Stage": "prod", "Auth": "none"}, True),
    ({"Stage": "prod"}, True),  # the parameters' defaults
    ({"Stage": "prod", "Auth": "none", "AllowAnonymousWrites": "false"}, True),
    ({"Stage": "prod", "Auth": "none", "AllowAnonymousWrites": "true"}, False),  # said explicitly
    ({"Stage": "prod", "Auth": "cognito"}, False),
    ({"Stage": "prod", "CognitoUserPoolArn": USER_POOL_ARN}, False),  # an existing pool guards it
    ({"Stage": "prod", "Auth": "cognito", "AllowAnonymousWrites": "true"}, False),
    ({"Stage": "prod", "Auth": "Cognito"}, True),  # AllowedValues
    ({"Stage": "prod", "Auth": "none", "AllowAnonymousWrites": "yes"}, True),
    ({"Stage": "prod", "Auth": "none", "AllowAnonymousWrites": "True"}, True),
    ({"Stage": "dev", "Auth": "none"}, False),
    ({"Stage": "dev"}, False),
    ({"Stage": "dev", "Auth": "cognito"}, False),
]


@pytest.mark.parametrize(("params", "refused"), AUTH_CASES)
def test_rules_refuse_prod_without_an_authorizer_unless_anonymous_writes_are_allowed(
    params: dict[str, str], refused: bool
):
    # GIVEN explicit origins, so that only authentication decides
    template, _ = stack()
    params = {"AllowedOrigins": "https://app.example.com", **ADMIN_ORIGINS, **params}
    # WHEN CloudFormation checks the parameters and evaluates the Rules
    failures = cloudformation_refusals(template, params)
    # THEN prod without an authorizer is refused, unless AllowAnonymousWrites=true says it is meant; a value
    # the parameters do not allow is refused before the Rules
    assert bool(failures) is refused, failures
    rule = load_template()["Rules"]["ProdRequiresAuthentication"]["Assertions"][0]["AssertDescription"]
    values_allowed = params.get("Auth", "none") in ("none", "cognito") and params.get(
        "AllowAnonymousWrites", "false"
    ) in ("false", "true")
    if values_allowed:
        assert failures == ([rule] if refused else [])
    else:
        assert any(f.startswith(("Auth:", "AllowAnonymousWrites:")) for f in failures), failures


def test_the_template_and_the_deploy_check_agree_on_prod_authentication():
    tool = check_prod_origins()
    template, _ = stack()
    for params, refused in AUTH_CASES:
        if params["Stage"] != "prod":
            continue
        try:
            tool.check_auth(params)
            tool_refuses = False
        except tool.Refused:
            tool_refuses = True
        cloudformation_refuses = bool(
            cloudformation_refusals(
                template, {"AllowedOrigins": "https://app.example.com", **ADMIN_ORIGINS, **params}
            )
        )
        assert tool_refuses is cloudformation_refuses is refused, params


def test_the_deploy_check_knows_the_templates_values():
    tool = check_prod_origins()
    parameters = load_template()["Parameters"]
    assert list(tool.AUTH_VALUES) == parameters["Auth"]["AllowedValues"]
    assert list(tool.ANONYMOUS_WRITES_VALUES) == parameters["AllowAnonymousWrites"]["AllowedValues"]
    assert parameters["Auth"]["Default"] == "none"
    assert parameters["AllowAnonymousWrites"]["Default"] == "false"


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

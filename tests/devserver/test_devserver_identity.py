"""make dev as API Gateway: the Cognito authorizer (Auth=cognito), and API Gateway's own answers (401,
403 for an unknown route, 429) with the template's gateway responses. Started as a user runs it."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
from support.devserver import DevServer, request, start_devserver
from support.paths import ROOT
from support.template import load_template

from tools.devserver import demo_users
from tools.devserver.ports import free_port

pytestmark = pytest.mark.devserver

ORIGIN = "http://localhost:5173"
PROD_ORIGIN = "https://app.example.com"


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dev-cognito")
    (tmp / "records").mkdir()
    server = start_devserver(tmp, "--record", str(tmp / "records"), "--parameter-overrides", "Auth=cognito")
    yield server, tmp / "records"
    server.stop()


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    """Stage=prod, signing in, with a small throttle: a burst of 2, one more request a second. The app's and
    the admin's CORS tiers share the one origin, so API Gateway's errors may name it (with credentials)."""
    tmp = tmp_path_factory.mktemp("prod-cognito")
    overrides = (
        f"Stage=prod Auth=cognito AllowedOrigins={PROD_ORIGIN} AdminOrigins={PROD_ORIGIN} "
        "ThrottlingRateLimit=1 ThrottlingBurstLimit=2"
    )
    server = start_devserver(tmp, "--no-seed", "--parameter-overrides", overrides)
    yield server
    server.stop()


def make_token(server: DevServer, user: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "token", f"USER={user}", f"DEMO_PORT={server.demo_port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def token_of(server: DevServer, user: str) -> str:
    made = make_token(server, user)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def claims_in(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def gateway_response(kind: str) -> dict:
    return load_template()["Resources"]["RestApi"]["Properties"]["GatewayResponses"][kind]


def expected_unauthorized_body(path: str) -> dict:
    """The template's own UNAUTHORIZED body, with $context.path as API Gateway substitutes it."""
    template = gateway_response("UNAUTHORIZED")["ResponseTemplates"]["application/json"]
    return json.loads(template.replace("$context.path", path))


def test_banner_lists_the_seeded_users_and_their_password(dev):
    server, _ = dev
    log = server.log()
    assert f"password {demo_users.PASSWORD}" in log
    for email in demo_users.USERS:
        assert email in log
    assert "admin@example.com    groups: admin" in log
    assert "make -s token USER=alice@example.com" in log
    assert "Skip parsing unsupported authorizer" not in log  # SAM's warning: make dev runs it
    # The sample items are created through the items function as the admin, whose writes need a token.
    assert "Seeded 45 sample items" in log


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "not-a-token",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",  # unsigned
    ],
)
def test_a_write_without_a_valid_token_gets_the_templates_401_with_cors(dev, authorization):
    server, folder = dev
    before = len(records(folder))
    headers = {"Origin": ORIGIN, "Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    reply = request(f"{server.url}/api/v1/items", "POST", headers, b'{"name": "Nope"}')
    assert reply.status == 401
    assert json.loads(reply.body) == expected_unauthorized_body("/api/v1/items")
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert reply.headers["vary"] == "Origin"
    assert len(records(folder)) == before  # no function ran
    assert "[UNAUTHORIZED] authorizer:" in server.log()


def test_a_bearer_prefix_is_not_what_the_authorizer_accepts(dev):
    server, _ = dev
    token = token_of(server, "alice@example.com")
    assert request(f"{server.url}/api/v1/users", headers={"Authorization": token}).status != 401
    assert request(f"{server.url}/api/v1/users", headers={"Authorization": f"Bearer {token}"}).status == 401


def test_reads_of_items_and_every_preflight_need_no_token(dev):
    server, _ = dev
    assert request(f"{server.url}/api/v1/items").status == 200
    preflight = request(
        f"{server.url}/api/v1/users/someone/orders",
        "OPTIONS",
        {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == ORIGIN


def test_a_signed_in_user_reaches_the_function_with_api_gateways_claims(dev):
    server, folder = dev
    token = token_of(server, "alice@example.com")
    before = len(records(folder))
    # WHEN alice creates her profile, then reads it where the API says it is
    created = request(
        f"{server.url}/api/v1/users",
        "POST",
        {"Authorization": token, "Content-Type": "application/json", "Origin": ORIGIN},
        b'{"name": "Alice", "email": "alice@example.com"}',
    )
    assert created.status == 201, created.body
    location = created.headers["location"]
    again = request(location, headers={"Authorization": token})
    assert again.status == 200, again.body
    assert json.loads(again.body)["name"] == "Alice"
    # THEN the function saw the token's claims where API Gateway puts them, every value a string
    event = records(folder)[before]["event"]
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["sub"] == claims_in(token)["sub"]
    assert claims["email"] == "alice@example.com"
    assert claims["token_use"] == "id"
    assert claims["email_verified"] == "true"
    assert "cognito:groups" not in claims  # alice is in no group
    assert all(isinstance(value, str) for value in claims.values())
    assert claims["exp"].endswith(" UTC " + claims["exp"][-4:])  # "Fri Nov 27 11:52:53 UTC 2026"


def test_the_admins_groups_arrive_comma_separated(dev):
    server, folder = dev
    token = token_of(server, "admin@example.com")
    before = len(records(folder))
    request(f"{server.url}/api/v1/users", headers={"Authorization": token})
    claims = records(folder)[before]["event"]["requestContext"]["authorizer"]["claims"]
    assert claims["cognito:groups"] == "admin"


def test_claims_a_client_sends_in_headers_are_not_claims(dev):
    server, folder = dev
    before = len(records(folder))
    reply = request(f"{server.url}/api/v1/items", headers={"X-Claims": '{"cognito:groups": "admin"}'})
    assert reply.status == 200
    assert "authorizer" not in records(folder)[before]["event"]["requestContext"]


def test_an_unknown_route_is_api_gateways_403_with_the_default_4xx_headers(dev):
    server, folder = dev
    before = len(records(folder))
    reply = request(f"{server.url}/api/v1/nothing-here", headers={"Origin": ORIGIN})
    assert reply.status == 403
    assert json.loads(reply.body) == {"message": "Missing Authentication Token"}
    assert reply.headers["access-control-allow-origin"] == ORIGIN  # dev: a copy of the request's Origin
    assert reply.headers["vary"] == "Origin"
    assert len(records(folder)) == before


def test_make_token_prints_the_token_and_nothing_else(dev):
    server, _ = dev
    made = make_token(server, "bob@example.com")
    assert made.returncode == 0, made.stderr
    assert made.stderr == ""
    lines = made.stdout.splitlines()
    assert len(lines) == 1
    claims = claims_in(lines[0])
    assert (claims["email"], claims["token_use"]) == ("bob@example.com", "id")


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("nobody@example.com", "nobody@example.com cannot sign in: NotAuthorizedException"),
        ("root", "USER must be a user's email"),
    ],
)
def test_make_token_for_someone_else_says_why_on_stderr(dev, user, message):
    server, _ = dev
    made = make_token(server, user)
    assert made.returncode != 0
    assert made.stdout == ""
    assert message in made.stderr


def test_make_token_without_make_dev_says_so(tmp_path):
    made = subprocess.run(
        ["make", "-s", "token", "USER=alice@example.com", f"DEMO_PORT={free_port()}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode != 0
    assert made.stdout == ""
    assert "make dev is not running" in made.stderr
    assert "Auth=cognito" in made.stderr


def test_the_pool_and_its_ids_are_the_same_after_a_restart(dev, tmp_path):
    server, _ = dev
    token = token_of(server, "alice@example.com")
    again = start_devserver(tmp_path, "--no-seed", "--parameter-overrides", "Auth=cognito")
    try:
        assert claims_in(token_of(again, "alice@example.com"))["sub"] == claims_in(token)["sub"]
        # and yesterday's token still opens today's make dev (same pool, same key), until it expires
        assert request(f"{again.url}/api/v1/users", headers={"Authorization": token}).status != 401
    finally:
        again.stop()


def test_prod_signs_in_too_and_its_401_names_the_one_allowed_origin(prod):
    reply = request(f"{prod.url}/api/v1/users", "POST", {"Origin": "https://evil.example"}, b"{}")
    assert reply.status == 401
    assert reply.headers["access-control-allow-origin"] == PROD_ORIGIN
    token = token_of(prod, "admin@example.com")
    assert request(f"{prod.url}/api/v1/users", headers={"Authorization": token}).status == 200


def test_a_client_over_the_burst_gets_api_gateways_429(prod):
    # GIVEN a stage limit of a burst of 2 at 1 request a second (this server's parameter overrides)
    url = f"{prod.url}/api/v1/health"
    replies = [request(url, headers={"Origin": PROD_ORIGIN}) for _ in range(4)]
    statuses = [reply.status for reply in replies]
    # THEN the bucket's two tokens pass, and the next requests, well within a second, do not
    assert statuses[:2] == [200, 200]
    assert 429 in statuses[2:]
    throttled = next(reply for reply in replies if reply.status == 429)
    assert json.loads(throttled.body) == {"message": "Too Many Requests"}
    assert throttled.headers["access-control-allow-origin"] == PROD_ORIGIN
    assert throttled.headers["vary"] == "Origin"
    assert "[THROTTLED]" in prod.log()

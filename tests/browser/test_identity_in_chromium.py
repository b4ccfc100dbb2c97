"""API Gateway's own answers as page script sees them in Chromium: the authorizer's 401 and the
throttle's 429 are readable cross-origin thanks to the gateway responses' CORS headers; and the page
signs in through Cognito's InitiateAuth on its own origin (make dev's /cognito)."""

from __future__ import annotations

import json

import pytest
from support.devserver import start_devserver

from tools.devserver import demo_users

pytestmark = pytest.mark.browser

FETCH = """async ({url, init}) => {
  try {
    const response = await fetch(url, {credentials: "include", ...init});
    return {ok: true, status: response.status, type: response.headers.get("content-type"),
            body: await response.text()};
  } catch (error) {
    return {ok: false, error: String(error)};
  }
}"""

# What a page sends to Cognito's endpoint (https://cognito-idp.<region>.amazonaws.com/), here to the
# endpoint its config names.
SIGN_IN = """async ({email, password}) => {
  const config = await (await fetch("/config.json")).json();
  const response = await fetch(config.cognitoEndpoint, {
    method: "POST",
    headers: {"Content-Type": "application/x-amz-json-1.1",
              "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"},
    body: JSON.stringify({ClientId: config.clientId, AuthFlow: "USER_PASSWORD_AUTH",
                          AuthParameters: {USERNAME: email, PASSWORD: password}}),
  });
  return {status: response.status, body: await response.json()};
}"""


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    server = start_devserver(
        tmp_path_factory.mktemp("chromium-cognito"), "--parameter-overrides", "Auth=cognito"
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def throttled(tmp_path_factory):
    server = start_devserver(
        tmp_path_factory.mktemp("chromium-throttled"),
        "--no-seed",
        "--parameter-overrides",
        "ThrottlingRateLimit=1 ThrottlingBurstLimit=3",
    )
    yield server
    server.stop()


def demo_page(browser, server):
    page = browser.new_page()
    page.goto(server.demo_url)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("location.origin") != server.url  # the API is another origin
    return page


def test_page_script_reads_the_authorizers_401(browser, dev):
    page = demo_page(browser, dev)
    init = {"method": "POST", "headers": {"Content-Type": "application/json"}, "body": '{"name": "x"}'}
    got = page.evaluate(FETCH, {"url": f"{dev.url}/api/v1/items", "init": init})
    assert got["ok"], got  # not a network error: the browser let the page read it
    assert got["status"] == 401
    assert got["type"] == "application/problem+json"
    assert json.loads(got["body"])["type"] == "urn:problem-type:unauthenticated"


def test_the_page_signs_in_through_cognitos_api_and_its_token_passes_the_authorizer(browser, dev):
    page = demo_page(browser, dev)
    signed_in = page.evaluate(SIGN_IN, {"email": "alice@example.com", "password": demo_users.PASSWORD})
    assert signed_in["status"] == 200, signed_in
    token = signed_in["body"]["AuthenticationResult"]["IdToken"]
    # WHEN the page creates alice's profile with it (a protected method; the preflight lets it through)
    init = {
        "method": "POST",
        "headers": {"Authorization": token, "Content-Type": "application/json"},
        "body": '{"name": "Alice", "email": "alice@example.com"}',
    }
    got = page.evaluate(FETCH, {"url": f"{dev.url}/api/v1/users", "init": init})
    assert got["ok"], got
    assert got["status"] == 201, got
    wrong = page.evaluate(SIGN_IN, {"email": "alice@example.com", "password": "not-her-password"})
    assert (wrong["status"], wrong["body"]["__type"]) == (400, "NotAuthorizedException")


def test_a_page_on_another_origin_cannot_sign_in_through_make_dev(browser, dev):
    # GIVEN a page on the API's origin, which is not the demo page's
    page = browser.new_page()
    page.goto(f"{dev.url}/api/v1/health")
    init = {
        "method": "POST",
        "headers": {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        "body": "{}",
    }
    got = page.evaluate(FETCH, {"url": f"http://localhost:{dev.demo_port}/cognito", "init": init})
    assert not got["ok"], got  # the browser refuses: no CORS on the demo server's /cognito


def test_page_script_reads_the_throttles_429(browser, throttled):
    page = demo_page(browser, throttled)
    statuses = page.evaluate(
        """async (url) => {
          const results = [];
          for (let i = 0; i < 8; i++) {
            try {
              const response = await fetch(url, {credentials: "include"});
              results.push({status: response.status, body: await response.text()});
            } catch (error) {
              results.push({status: 0, body: String(error)});
            }
          }
          return results;
        }""",
        f"{throttled.url}/api/v1/items?per_page=1",
    )
    assert all(result["status"] in (200, 429) for result in statuses), statuses  # never a network error
    throttled_replies = [result for result in statuses if result["status"] == 429]
    assert throttled_replies, statuses
    assert json.loads(throttled_replies[0]["body"]) == {"message": "Too Many Requests"}

"""CORS as a real browser enforces it: a page on one origin calls the API (make dev) on another.

Chromium decides here, not our assertions about headers: a call either succeeds in page JavaScript, or
fetch() rejects because the browser refused the response.
"""

from __future__ import annotations

import json

import pytest
from support.devserver import request, start_devserver

pytestmark = pytest.mark.browser

FETCH = """async ({url, init}) => {
  try {
    const response = await fetch(url, {credentials: "include", ...init});
    return {ok: true, status: response.status, etag: response.headers.get("etag"),
            requestId: response.headers.get("x-request-id"), server: response.headers.get("server"),
            body: await response.text()};
  } catch (error) {
    return {ok: false, error: String(error)};
  }
}"""


@pytest.fixture(scope="module")
def dev_api(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dev-api")
    (tmp / "records").mkdir()
    server = start_devserver(tmp, "--record", str(tmp / "records"))
    yield server, tmp / "records"
    server.stop()


@pytest.fixture(scope="module")
def prod_api(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prod-api")
    server = start_devserver(
        tmp,
        "--parameter-overrides",
        "Stage=prod AllowedOrigins=https://app.example.com AdminOrigins=https://admin.example.com "
        "AllowAnonymousWrites=true",
    )
    yield server
    server.stop()


def open_page(browser, server):
    """The demo page, on its own origin, after its own first calls have settled."""
    page = browser.new_page()
    page.goto(server.demo_url)
    page.wait_for_load_state("networkidle")
    return page


def first_item(server) -> dict:
    listing = request(f"{server.url}/api/v1/items?page=1&per_page=1")
    assert listing.status == 200, listing.body
    return json.loads(listing.body)["items"][0]


def test_credentialed_put_with_custom_header_passes_the_preflight(browser, dev_api):
    server, records = dev_api
    item = first_item(server)
    page = open_page(browser, server)
    assert page.evaluate("location.origin") != server.url  # really cross-origin
    before = {p.name for p in records.iterdir()}
    # GIVEN the item's current ETag, read from an exposed header in page JS
    got = page.evaluate(FETCH, {"url": f"{server.url}/api/v1/items/{item['id']}", "init": {}})
    assert got["ok"], got
    assert got["etag"], "ETag must be exposed to the page"
    assert got["requestId"], "X-Request-Id must be exposed to the page"
    assert got["server"] is None  # not exposed: the browser hides it
    # WHEN the page sends a credentialed PUT with If-Match and JSON (both need a preflight)
    init = {
        "method": "PUT",
        "headers": {"Content-Type": "application/json", "If-Match": got["etag"]},
        "body": '{"name": "Renamed in the browser"}',
    }
    put = page.evaluate(FETCH, {"url": f"{server.url}/api/v1/items/{item['id']}", "init": init})
    # THEN the browser let it through, and a preflight really reached the function first
    assert put["ok"], put
    assert put["status"] == 200, put
    assert "Renamed in the browser" in put["body"]
    new = [
        json.loads((records / name).read_text())
        for name in sorted({p.name for p in records.iterdir()} - before)
    ]
    methods = [r["event"]["httpMethod"] for r in new]
    assert methods == ["GET", "OPTIONS", "PUT"], methods
    preflight = new[1]
    assert preflight["event"]["headers"]["Access-Control-Request-Method"] == "PUT"
    assert preflight["result"]["statusCode"] == 204


def test_dev_reflection_works_from_an_arbitrary_origin(browser, dev_api):
    server, _ = dev_api
    page = browser.new_page()
    # a second origin, unknown to any configuration: the API itself serves as the page here
    page.goto(f"{server.url}/api/v1/health".replace("127.0.0.1", "localhost"))
    assert page.evaluate("location.origin").startswith("http://localhost:")
    got = page.evaluate(FETCH, {"url": f"{server.url}/api/v1/items?page=1&per_page=2", "init": {}})
    assert got["ok"], got
    assert got["status"] == 200


def test_prod_refuses_an_unlisted_origin_in_the_browser(browser, prod_api):
    page = open_page(browser, prod_api)
    # the response exists (curl sees it), but the browser refuses to hand it to the page
    assert (
        request(f"{prod_api.url}/api/v1/items?page=1", headers={"Origin": "http://localhost"}).status == 200
    )
    got = page.evaluate(FETCH, {"url": f"{prod_api.url}/api/v1/items?page=1", "init": {}})
    assert not got["ok"]
    assert "Failed to fetch" in got["error"]
    put = page.evaluate(
        FETCH,
        {
            "url": f"{prod_api.url}/api/v1/items/x",
            "init": {"method": "PUT", "headers": {"If-Match": "*"}, "body": "{}"},
        },
    )
    assert not put["ok"]


def test_public_health_is_readable_from_any_origin_even_in_prod(browser, prod_api):
    page = open_page(browser, prod_api)
    got = page.evaluate(FETCH, {"url": f"{prod_api.url}/api/v1/health", "init": {"credentials": "omit"}})
    assert got["ok"], got
    assert '"stage":"prod"' in got["body"]

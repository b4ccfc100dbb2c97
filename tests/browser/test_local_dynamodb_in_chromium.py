"""A web page the developer visits while `make dev` runs cannot read or change the local DynamoDB.

Chromium makes the calls an attacker's page would: signed-looking DynamoDB calls with a made-up SigV4
signature (moto checks none), moto's own reset and data dump, from another origin and, by DNS rebinding,
from the DynamoDB port's own origin. Nothing is read, and the table holds exactly what it held before.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support.devserver import request, start_devserver
from support.local_dynamodb import ATTACKS, dynamodb_request, endpoint_and_key, snapshot

pytestmark = pytest.mark.browser

PAGE = b"<!doctype html><title>any page the developer visits</title><p>nothing to see</p>"
# Runs in the page; each call reports whether the page could read an answer, and what it read.
ATTACK = """async (calls) => {
  const results = [];
  for (const call of calls) {
    try {
      const response = await fetch(call.url, call.init);
      const readable = response.type !== "opaque";
      results.push({name: call.name, readable, status: response.status,
                    body: readable ? await response.text() : ""});
    } catch (error) {
      results.push({name: call.name, readable: false, error: String(error)});
    }
  }
  return results;
}"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    server = start_devserver(tmp_path_factory.mktemp("dev-dynamodb-browser"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def other_site():
    """A page on its own origin, as any site the developer has open in another tab."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()


def signed_calls(url: str) -> list[dict]:
    calls = []
    for name, (target, payload) in ATTACKS.items():
        headers, body = dynamodb_request(target, payload)
        calls.append(
            {"name": name, "url": url, "init": {"method": "POST", "headers": headers, "body": body.decode()}}
        )
    return calls


def moto_endpoint_calls(endpoint: str) -> list[dict]:
    scan_body = dynamodb_request(*ATTACKS["scan"])[1].decode()
    put_body = dynamodb_request(*ATTACKS["put"])[1].decode()
    return [
        {"name": "data dump", "url": f"{endpoint}/moto-api/data.json", "init": {}},
        # Simple requests (no preflight): the page cannot read the answer, but the request is sent.
        {"name": "reset", "url": f"{endpoint}/moto-api/reset", "init": {"method": "POST", "mode": "no-cors"}},
        {
            "name": "blind put",
            "url": f"{endpoint}/",
            "init": {"method": "POST", "mode": "no-cors", "body": put_body},
        },
        {
            "name": "blind scan",
            "url": f"{endpoint}/?Action=Scan",
            "init": {"method": "POST", "mode": "no-cors", "body": scan_body},
        },
    ]


def assert_untouched(dev, before, results) -> None:
    assert snapshot(dev) == before, results
    listing = request(f"{dev.url}/api/v1/items?per_page=1")
    assert listing.status == 200, listing.body  # and make dev's own API still works


def test_a_page_on_another_origin_reads_and_changes_nothing(browser, dev, other_site):
    # GIVEN make dev running, and a page on another origin open in the browser
    endpoint, _ = endpoint_and_key(dev)
    before = snapshot(dev)
    page = browser.new_page()
    try:
        page.goto(other_site)
        # WHEN the page calls the DynamoDB port as an attacker would
        results = page.evaluate(ATTACK, signed_calls(endpoint) + moto_endpoint_calls(endpoint))
    finally:
        page.close()
    # THEN it could read no answer at all (fetch fails: no CORS headers), and nothing changed
    assert len(results) == len(ATTACKS) + 4
    assert [r for r in results if r["readable"]] == [], results
    assert_untouched(dev, before, results)


def test_a_dns_rebound_page_on_the_dynamodb_port_reads_and_changes_nothing(browser, dev):
    # GIVEN a page whose name resolves to 127.0.0.1 (any *.localhost does in Chromium), loaded on the
    # DynamoDB port: its calls to that port are same-origin, so CORS no longer stands in the way. The
    # page itself comes from the attacker's server before the rebinding (served here by Playwright).
    endpoint, _ = endpoint_and_key(dev)
    port = endpoint.rsplit(":", 1)[1]
    rebound = f"http://rebound.localhost:{port}"
    before = snapshot(dev)
    page = browser.new_page()
    try:
        page.route(f"{rebound}/attack.html", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
        page.goto(f"{rebound}/attack.html")
        # WHEN it calls DynamoDB and moto's own endpoints on its own origin
        calls = [
            *signed_calls(f"{rebound}/"),
            {"name": "data dump", "url": f"{rebound}/moto-api/data.json", "init": {}},
            {"name": "reset", "url": f"{rebound}/moto-api/reset", "init": {"method": "POST"}},
        ]
        results = page.evaluate(ATTACK, calls)
    finally:
        page.close()
    # THEN every answer it can read is the guard's refusal, and nothing changed
    assert len(results) == len(ATTACKS) + 2
    for result in results:
        assert result.get("status") == 403, result
        assert result["body"].startswith("refused:"), result
    assert_untouched(dev, before, results)

"""make dev's DynamoDB (moto on a loopback port) serves make dev's own clients only, never a browser.

Each refused request below would, against a bare moto server, read or change the local table: moto
checks no signature and answers any Origin with permissive CORS headers.
"""

from __future__ import annotations

import json

import pytest
from support.devserver import request, start_devserver
from support.local_dynamodb import ATTACKS, dynamodb_request, endpoint_and_key, snapshot

pytestmark = pytest.mark.devserver

BROWSER_HEADERS = {
    "Origin": "https://attacker.example",
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Mode": "cors",
}


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    server = start_devserver(tmp_path_factory.mktemp("dev-dynamodb"))
    yield server
    server.stop()


def refused(reply, figures) -> None:
    # Counted before the checks: a request the guard answered is what the doc's figure must show.
    figures("local DynamoDB guard", cases=1, requests=1, answered=int(reply.status != 403))
    assert reply.status == 403, (reply.status, reply.body)
    assert not [name for name in reply.headers if name.startswith("access-control-")], reply.headers
    assert "refused" in reply.body


def call(endpoint: str, attack: str, *, key: str | None = None, headers: dict[str, str] | None = None):
    target, payload = ATTACKS[attack]
    sent, body = dynamodb_request(target, payload)
    if key is not None:  # this run's own key id: only the other checks can refuse the request
        sent["Authorization"] = sent["Authorization"].replace("Credential=local/", f"Credential={key}/")
    return request(endpoint, "POST", {**sent, **(headers or {})}, body)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Mode": "no-cors"},
        {"Host": "attacker.example"},  # DNS rebinding: the attacker's name, resolved to 127.0.0.1
        {"Host": "127.0.0.1.nip.io"},
    ],
    ids=lambda h: "-".join(f"{k}={v}" for k, v in h.items()),
)
def test_browser_requests_are_refused_even_with_this_runs_key(dev, attack, headers, figures):
    # GIVEN make dev's DynamoDB and its key id (which a page would still have to guess)
    endpoint, key = endpoint_and_key(dev)
    before = snapshot(dev)
    if "Host" in headers:
        headers = {"Host": f"{headers['Host']}:{endpoint.rsplit(':', 1)[1]}"}
    # WHEN a request bears a browser's marks, or another host name
    reply = call(endpoint, attack, key=key, headers=headers)
    # THEN it is refused, with nothing a page could read, and the table is as it was
    refused(reply, figures)
    assert snapshot(dev) == before


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_requests_without_this_runs_key_are_refused(dev, attack, figures):
    # GIVEN a client with no browser marks (a DNS-rebound page's same-origin fetch, curl, a guessed key)
    endpoint, _ = endpoint_and_key(dev)
    before = snapshot(dev)
    # WHEN it signs with another key id
    reply = call(endpoint, attack)
    # THEN it is refused and changes nothing
    refused(reply, figures)
    assert snapshot(dev) == before


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        # a cross-origin preflight for a signed call: the browser would ask this first
        (
            "OPTIONS",
            "/",
            {
                "Origin": "https://attacker.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-target",
            },
        ),
        ("GET", "/moto-api/data.json", {}),  # moto's dump of every backend's data
        ("POST", "/moto-api/reset", {}),  # wipes everything; a simple request needs no preflight
        ("POST", "/moto-api/reset", BROWSER_HEADERS),
        ("GET", "/moto-api/", BROWSER_HEADERS),
    ],
    ids=["preflight", "data-dump", "reset", "reset-from-a-page", "dashboard"],
)
def test_moto_own_endpoints_and_preflights_are_refused(dev, method, path, headers, figures):
    endpoint, _ = endpoint_and_key(dev)
    before = snapshot(dev)
    reply = request(f"{endpoint}{path}", method, headers, b"" if method == "POST" else None)
    refused(reply, figures)
    assert snapshot(dev) == before


def test_make_devs_api_keeps_reading_and_writing_through_the_guard(dev):
    # GIVEN make dev, its functions' workers signing with this run's key
    before = snapshot(dev)
    assert before, "the seeded items are in the table"
    # WHEN an item is created and read through the local API
    created = request(
        f"{dev.url}/api/v1/items",
        "POST",
        {"Content-Type": "application/json"},
        json.dumps({"name": "Through the guard"}).encode(),
    )
    assert created.status == 201, created.body
    item = json.loads(created.body)
    fetched = request(f"{dev.url}/api/v1/items/{item['id']}")
    # THEN both work, and the item is in the table moto holds
    assert fetched.status == 200, fetched.body
    assert json.loads(fetched.body)["name"] == "Through the guard"
    after = snapshot(dev)
    assert len(after) > len(before)
    assert any(value.get("S") == "Through the guard" for entry in after for value in entry.values())

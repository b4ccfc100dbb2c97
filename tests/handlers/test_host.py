"""The Host header through the real handlers (issue 19.4): validated once, a 400 when malformed, and the
only source of the host in Location and Link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from support.handlers import PROD_ENV, invoke
from support.rest import links, retarget

PROBLEM = "application/problem+json"
MALFORMED_HOST = "urn:problem-type:malformed-host"

# What the issue found (a port that is not a number, an IPv6 literal with a port, an empty port) and the
# rest of the class: anything that is not host[:port], or that would change a URL or a Link built from it.
MALFORMED_HOSTS = [
    "a:b",
    "[::1]x:8080",
    "::1:8080",
    "example.com:",
    "example.com:0",
    "example.com:65536",
    "example.com:08080",
    "example.com:80:80",
    "[::1",
    "[fe80::1%25eth0]:80",
    "user@api.example.com",
    "api.example.com#frag",
    "api.example.com/evil",
    "api.example.com?x=1",
    'api.example.com>; rel="evil"; x="',
    "api.example.com, evil.example.net",
    "api example.com",
    "",
]

# (function, event, whether it points at a stored item): one route of each kind the issue names.
ROUTES = [
    ("items", "items-get-list", False),
    ("items", "items-post-create", False),
    ("items", "items-put-replace", True),
    ("items", "items-options-preflight-put-allowed-origin", True),
    ("items", "items-v2-get-list-allowed-origin", False),
    ("items", "items-function-url-get-list-allowed-origin", False),
    # % if samples == "all"
    ("users", "users-post-create", False),
    # % endif
    ("health", "health-get-no-origin", False),
]


def stored(table) -> list[dict]:
    return sorted(table.scan()["Items"], key=lambda record: (record["PK"], record["SK"]))


def seed_item(items, load_event) -> dict:
    result = invoke(items, load_event("items-post-create", body={"name": "Lamp"}))
    assert result.status == 201, result.body
    return result.json()


@pytest.mark.parametrize(("function", "event_name", "needs_item"), ROUTES)
def test_a_malformed_host_is_a_400_problem_and_nothing_is_written(
    dynamodb_table, cold_start, load_event, function, event_name, needs_item
):
    # GIVEN a function (and, for the items routes, one stored item), and what the table holds
    handler = cold_start(function, PROD_ENV)
    item = seed_item(handler, load_event) if function == "items" else None
    before = stored(dynamodb_table)
    for host in MALFORMED_HOSTS:
        # WHEN the request's Host is malformed
        if needs_item:
            event = retarget(load_event, event_name, item_id=item["id"], headers={"Host": host})
        else:
            event = load_event(event_name, headers={"Host": host})
        result = invoke(handler, event)
        # THEN a 400 problem naming the Host, never a 500 nor the route's own answer, and nothing changed
        assert result.status == 400, (host, result.body)
        assert result.headers["content-type"] == PROBLEM, host
        problem = result.json()
        assert problem["type"] == MALFORMED_HOST, host
        assert "Host" in problem["detail"], host
        assert "location" not in result.headers, host
        assert "link" not in result.headers, host
        assert result.headers["x-content-type-options"] == "nosniff", host
        assert stored(dynamodb_table) == before, host


def test_a_repeated_host_is_a_400(dynamodb_table, cold_start, load_event):
    items = cold_start("items", PROD_ENV)
    event = load_event("items-post-create", headers={"Host": ["api.example.com", "evil.example.net"]})
    result = invoke(items, event)
    assert result.status == 400
    assert result.json()["type"] == MALFORMED_HOST
    assert dynamodb_table.scan()["Items"] == []


# (Host sent, the host[:port] every URL must carry)
ODD_BUT_LEGAL = [
    ("[::1]:8080", "[::1]:8080"),
    ("[2001:DB8:0::1]", "[2001:db8::1]"),
    ("API.Example.COM", "api.example.com"),
    ("api.example.com.", "api.example.com."),
    ("127.0.0.1:3000", "127.0.0.1:3000"),
    ("localhost:65535", "localhost:65535"),
]
_LINK_VALUE = re.compile(r'<[^<>"\s]+>; rel="(?:first|prev|next|last)"\Z')


def assert_well_formed(url: str, netloc: str) -> None:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", netloc), url
    assert parts.username is None, url
    assert parts.fragment == "", url
    assert parts.path.startswith("/dev/api/v1/"), url


@pytest.mark.parametrize(("host", "netloc"), ODD_BUT_LEGAL)
@pytest.mark.parametrize("event_name", ["items-post-create", "items-v2-get-list-allowed-origin"])
def test_odd_but_legal_hosts_give_well_formed_location_and_link(
    dynamodb_table, cold_start, load_event, host, netloc, event_name
):
    # GIVEN three stored items, so that a one-per-page list has first, next and last links
    items = cold_start("items", PROD_ENV)
    for name in ("a", "b", "c"):
        seed_item(items, lambda *args, name=name, **kw: load_event(*args, **{**kw, "body": {"name": name}}))
    # WHEN a create and a list come with that Host
    created = invoke(items, load_event("items-post-create", headers={"Host": host}))
    listed = invoke(
        items, load_event("items-get-list", headers={"Host": host}, query={"per_page": "1", "page": "2"})
    )
    # THEN they are served, and every URL carries the host's one spelling, and nothing else of the Host
    assert created.status == 201, created.body
    assert_well_formed(created.headers["location"], netloc)
    assert listed.status == 200, listed.body
    values = listed.headers["link"].split(", ")
    assert all(_LINK_VALUE.match(value) for value in values), values
    relations = links(listed.headers["link"])
    assert set(relations) == {"first", "prev", "next", "last"}
    for url in relations.values():
        assert_well_formed(url, netloc)


def test_a_v2_event_with_an_ipv6_host_reaches_the_app(dynamodb_table, cold_start, load_event):
    items = cold_start("items", PROD_ENV)
    result = invoke(items, load_event("items-v2-get-list-allowed-origin", headers={"host": "[::1]:3000"}))
    assert result.status == 200, result.body
    assert all(urlsplit(url).netloc == "[::1]:3000" for url in links(result.headers["link"]).values())


@pytest.mark.parametrize("port", ["abc", "", "-1", "99999", "443, 80"])
def test_a_forwarded_port_mangum_cannot_parse_is_not_a_500(dynamodb_table, cold_start, load_event, port):
    # Mangum read X-Forwarded-Port with int() whenever the Host had no port; no URL uses it.
    items = cold_start("items", PROD_ENV)
    result = invoke(items, load_event("items-post-create", headers={"X-Forwarded-Port": port}))
    assert result.status == 201, result.body
    assert urlsplit(result.headers["location"]).netloc == "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"


@pytest.mark.parametrize("proto", ["javascript", "https://evil.example.net/#", "http, https", ""])
def test_a_forwarded_proto_other_than_http_or_https_never_reaches_a_url(
    dynamodb_table, cold_start, load_event, proto
):
    items = cold_start("items", PROD_ENV)
    result = invoke(items, load_event("items-post-create", headers={"X-Forwarded-Proto": proto}))
    assert result.status == 201, result.body
    expected = "http" if proto.startswith("http,") else "https"
    assert result.headers["location"].startswith(
        f"{expected}://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev/api/v1/items/"
    )


def test_without_a_host_a_malformed_domain_name_is_ignored(dynamodb_table, cold_start, load_event):
    # GIVEN an event with no Host, whose requestContext.domainName would inject a fragment
    items = cold_start("items", PROD_ENV)
    event = load_event("items-post-create", headers={"Host": None})
    event["requestContext"]["domainName"] = "evil.example.net#"
    # THEN it is served, and the Location carries nothing of that domain name
    result = invoke(items, event)
    assert result.status == 201, result.body
    assert "evil" not in result.headers["location"]
    assert urlsplit(result.headers["location"]).fragment == ""

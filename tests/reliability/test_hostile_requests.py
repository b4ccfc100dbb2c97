"""Hypothesis-generated Hosts and non-Unicode text through the real handler (issue 19.4 and 19.6): never a
5xx, a typed 400 for what is refused, and URLs that carry nothing of a Host but a well-formed host[:port].

The oracle for an accepted Host is the standard library's URL parser, not the layer's own: every URL the
API builds from it must split into the same host and port, with no userinfo, query or fragment.
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability.conftest import PROBLEM, assert_no_leak
from support.handlers import invoke
from support.rest import links

EXAMPLES = 200
# The characters that matter in a Host: its own delimiters, URL and Link delimiters, and look-alikes.
HOST_CHARS = st.sampled_from([*'aZ09.-_~:[]@#/?%>;," \t\\', "\u212a", "\u3002", "\u00e4", "\ufeff"])
HOSTS = st.one_of(
    st.text(HOST_CHARS, max_size=24),
    st.builds(
        lambda name, port: f"{name}:{port}",
        st.sampled_from(
            ["api.example.com", "API.example.COM.", "127.0.0.1", "[::1]", "[2001:DB8::1]", "[::1"]
        ),
        st.text(st.sampled_from(list("0123456789:-+ x")), max_size=7),
    ),
    st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
)


# A lone surrogate among ordinary characters: what a percent-decoded %ED%A0%80 becomes. A high surrogate
# followed by a low one is a valid pair once the event is JSON (Lambda's wire format), so it must not count.
def _has_lone_surrogate(text: str) -> bool:
    try:
        json.loads(json.dumps(text)).encode()
    except UnicodeEncodeError:
        return True
    return False


SURROGATE_TEXT = st.text(st.characters(categories=["Cs", "Ll", "Nd"]), min_size=1, max_size=8).filter(
    _has_lone_surrogate
)
PLACES = [
    ("path", lambda event, text: event.update(path=f"/api/v1/items/{text}")),
    ("header value", lambda event, text: event["multiValueHeaders"].update({"X-Note": [text]})),
    ("header name", lambda event, text: event["headers"].update({text: "a"})),
    ("query value", lambda event, text: event.update(multiValueQueryStringParameters={"q": [text]})),
    ("query name", lambda event, text: event.update(queryStringParameters={text: "a"})),
    ("path parameter", lambda event, text: event.update(pathParameters={"item_id": text})),
]


def expected_netloc(host: str) -> tuple[str, int | None]:
    """What an accepted Host must come back as: the standard parser's host (IPv6 compressed) and port."""
    parts = urlsplit(f"https://{host}/")
    hostname = parts.hostname or ""
    if ":" in hostname:
        hostname = ipaddress.IPv6Address(hostname).compressed
    return hostname, parts.port


def test_fuzzed_hosts_are_a_400_or_well_formed_urls(items, load_event, figures):
    counts = {"requests": 0, "refused": 0}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(host=HOSTS)
    def check(host):
        event = load_event("items-get-list", headers={"Host": host}, query={"per_page": "1"})
        result = invoke(items, event)
        counts["requests"] += 1
        assert result.status in (200, 400), (host, result.body)
        assert_no_leak(result)
        if result.status == 400:
            counts["refused"] += 1
            assert result.headers["content-type"] == PROBLEM
            assert json.loads(result.body)["type"] == "urn:problem-type:malformed-host", host
            return
        want = expected_netloc(host)
        for url in links(result.headers["link"]).values():
            parts = urlsplit(url)
            assert (parts.hostname, parts.port) == want, (host, url)
            assert parts.username is None, url
            assert parts.query.startswith("page="), url
            assert not parts.fragment, url

    check()
    figures(
        "hostile requests (hypothesis)",
        cases=counts["requests"],
        requests=counts["requests"],
        hosts_refused=counts["refused"],
        hosts=counts["requests"],
        surrogates=0,
        status_5xx=0,
    )


def test_fuzzed_non_unicode_text_is_a_typed_400(items, load_event, figures):
    sent = {"requests": 0}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        place=st.sampled_from(PLACES),
        text=SURROGATE_TEXT,
        name=st.sampled_from(["items-get-list", "items-post-create"]),
    )
    def check(place, text, name):
        event = load_event(name)
        place[1](event, text)
        result = invoke(items, event)
        sent["requests"] += 1
        assert result.status == 400, (place[0], result.body)
        assert_no_leak(result)
        assert json.loads(result.body)["type"] == "urn:problem-type:malformed-request", place[0]
        result.body.encode()

    check()
    figures(
        "hostile requests (hypothesis)",
        cases=sent["requests"],
        requests=sent["requests"],
        surrogates=sent["requests"],
        hosts=0,
        hosts_refused=0,
        status_5xx=0,
    )

"""Hypothesis-generated events through the real handlers: never a 500, never a trace, always well-formed.

Count-limited and derandomized (tests/conftest.py), so CI explores the same events on every run.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability.conftest import PROBLEM, assert_no_leak
from support.handlers import ALLOWED_ORIGIN, invoke

EXAMPLES = 300
PATHS = st.one_of(
    st.sampled_from(
        ["/api/v1/items", "/api/v1/items/", "/api/v1/items/0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9a01"]
    ),
    st.builds(lambda s: f"/api/v1/items/{s}", st.text(max_size=40)),
    st.builds(lambda s: "/" + s, st.text(max_size=30)),
)
HEADER_VALUES = st.one_of(
    st.text(max_size=60), st.sampled_from([ALLOWED_ORIGIN, "null", "*", "application/json"])
)
HEADERS = st.dictionaries(
    st.sampled_from(
        [
            "Origin",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "Idempotency-Key",
            "Accept",
            "X-Forwarded-Proto",
        ]
    )
    | st.text(min_size=1, max_size=20),
    HEADER_VALUES,
    max_size=6,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
BODIES = st.one_of(
    st.none(),
    st.text(max_size=200),
    JSON_VALUES.map(json.dumps),
    st.fixed_dictionaries({"name": JSON_VALUES}, optional={"description": JSON_VALUES}).map(json.dumps),
)
QUERIES = st.dictionaries(
    st.sampled_from(["page", "per_page", "limit", "cursor", "search"]) | st.text(min_size=1, max_size=8),
    st.lists(st.text(max_size=20), min_size=1, max_size=3),
    max_size=4,
)


@st.composite
def events(draw, load_event):
    name = draw(st.sampled_from(["items-post-create", "items-get-list", "items-v2-get-list-allowed-origin"]))
    event = load_event(
        name,
        method=draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"])),
        path=draw(PATHS),
        headers=draw(HEADERS),
        query=draw(QUERIES),
    )
    event["body"] = draw(BODIES)
    event["isBase64Encoded"] = draw(st.booleans()) if event["body"] else False
    return event


def test_fuzzed_events_never_get_a_500(items, load_event, figures):
    sent = {"requests": 0, "status_5xx": 0}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(event=events(load_event))
    def check(event):
        result = invoke(items, event)
        sent["requests"] += 1
        sent["status_5xx"] += result.status >= 500
        assert result.status < 500, (event, result.body)
        assert_no_leak(result)
        if result.status >= 400 and result.body:
            assert result.headers["content-type"] == PROBLEM
            assert json.loads(result.body)["status"] == result.status
        origins = [v for k, v in (event.get("headers") or {}).items() if k.lower() == "origin"]
        if origins == [ALLOWED_ORIGIN] and result.status != 403:
            assert result.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN, result.raw

    check()
    figures(
        "fuzzed events (hypothesis)",
        cases=sent["requests"],
        requests=sent["requests"],
        status_5xx=sent["status_5xx"],
    )
    assert sent["status_5xx"] == 0

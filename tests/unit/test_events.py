"""api_core.events: one header read alone agrees with the whole request as the layer reads it."""

from __future__ import annotations

import json

import pytest
from api_core.events import event_header, event_header_values, read_request
from hypothesis import given
from hypothesis import strategies as st
from support.paths import EVENTS_DIR

EVENT_FILES = sorted(EVENTS_DIR.glob("*.json"))
NAMES = ("host", "origin", "x-forwarded-proto", "content-type", "if-match", "absent-header")


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda path: path.stem)
def test_one_header_reads_as_the_whole_request_reads_it(path):
    event = json.loads(path.read_text())
    request = read_request(event)
    for name in NAMES:
        assert event_header(event, name) == request.header(name), name


def test_a_name_spelled_two_ways_gives_the_first_value_received():
    # v1: both spellings are occurrences of one header; multiValueHeaders, when present, wins
    event = {
        "httpMethod": "GET",
        "path": "/",
        "requestContext": {},
        "headers": {"host": "single.example.com"},
        "multiValueHeaders": {"HOST": ["first.example.com"], "host": ["second.example.com"]},
    }
    assert event_header(event, "host") == read_request(event).header("host") == "first.example.com"


@pytest.mark.parametrize(
    ("single", "multi", "expected"),
    [
        # a name only in `headers` is not lost because multiValueHeaders exists without it
        ({"Origin": "https://a.example"}, {"Accept": ["*/*"]}, ("https://a.example",)),
        ({"Origin": "https://a.example"}, {"Origin": []}, ("https://a.example",)),
        # both maps agree (as API Gateway fills them): one occurrence, not two
        ({"Origin": "https://a.example"}, {"origin": ["https://a.example"]}, ("https://a.example",)),
        # API Gateway's `headers` keeps the last of repeated values: still two occurrences
        (
            {"Origin": "https://b.example"},
            {"Origin": ["https://a.example", "https://b.example"]},
            ("https://a.example", "https://b.example"),
        ),
        # the maps disagree: both values count, so the Origin reads as repeated
        (
            {"Origin": "https://b.example"},
            {"Origin": ["https://a.example"]},
            ("https://a.example", "https://b.example"),
        ),
        ({}, {"Origin": ["https://a.example"]}, ("https://a.example",)),
        ({"Origin": "https://a.example"}, None, ("https://a.example",)),
    ],
)
def test_v1_headers_count_every_map(single, multi, expected):
    event = {
        "httpMethod": "POST",
        "path": "/",
        "requestContext": {},
        "headers": single,
        "multiValueHeaders": multi,
    }
    assert read_request(event).headers["origin"] == expected
    assert event_header(event, "origin") == expected[0]


@pytest.mark.parametrize(
    ("single", "multi", "expected"),
    [
        # both maps list the names in another order: the same occurrences
        (
            {"Host": "h.example", "Origin": "https://a.example"},
            {"Origin": ["https://a.example"], "Host": ["h.example"]},
            {"host": ("h.example",), "origin": ("https://a.example",)},
        ),
        # one name spelled two ways in both maps: two occurrences of one header
        (
            {"Origin": "https://a.example", "origin": "https://b.example"},
            {"Origin": ["https://a.example"], "origin": ["https://b.example"]},
            {"origin": ("https://a.example", "https://b.example")},
        ),
        # a name outside ASCII is lowercased as Python lowercases it alone
        ({"X-\u0394": "v"}, {"X-\u0394": ["v"]}, {"x-\u03b4": ("v",)}),
        # one value per name in each map, but not the same one: both count
        (
            {"Origin": "https://b.example"},
            {"Origin": ["https://a.example"]},
            {"origin": ("https://a.example", "https://b.example")},
        ),
        # an empty list beside a two-value list: as many values as names, yet not one per name
        (
            {"A": "1", "B": "2"},
            {"A": ["1", "2"], "B": []},
            {"a": ("1", "2"), "b": ("2",)},
        ),
        # a value that is not text is not a header value
        ({"A": "1", "B": "2"}, {"A": ["1"], "B": [None]}, {"a": ("1",), "b": ("2",)}),
    ],
)
def test_v1_header_maps_of_every_shape_read_as_occurrences(single, multi, expected):
    event = {
        "httpMethod": "GET",
        "path": "/",
        "requestContext": {},
        "headers": single,
        "multiValueHeaders": multi,
    }
    assert dict(read_request(event).headers) == expected


def reference_v1_headers(single, multi):
    """The documented reading of v1 header maps, written plainly: every value of multiValueHeaders, then
    each value of `headers` that its name's multiValueHeaders values lack; names lowercased; text only."""
    from_multi: dict[str, list[str]] = {}
    for name, values in (multi if isinstance(multi, dict) else {}).items():
        if isinstance(values, list):
            from_multi.setdefault(str(name).lower(), []).extend(v for v in values if isinstance(v, str))
    merged = {name: list(values) for name, values in from_multi.items()}
    for name, value in (single if isinstance(single, dict) else {}).items():
        if isinstance(value, str):
            header = str(name).lower()
            merged.setdefault(header, [])
            if value not in from_multi.get(header, []):
                merged[header].append(value)
    return {name: tuple(values) for name, values in merged.items()}


_NAMES = st.sampled_from(["Origin", "origin", "ORIGIN", "Host", "host", "X-\u0394", "a\nb", "Via"])
_VALUE = st.sampled_from(["https://a.example", "https://b.example", "", "h.example"])
_ODD = st.sampled_from([None, 3, ["x", None]])


@given(
    single=st.none() | st.dictionaries(_NAMES, _VALUE | _ODD, max_size=5),
    multi=st.none() | st.dictionaries(_NAMES, st.lists(_VALUE, max_size=3) | _VALUE | _ODD, max_size=5),
    agreeing=st.booleans(),
)
def test_v1_headers_read_as_documented_whatever_the_shape(single, multi, agreeing):
    if agreeing and isinstance(single, dict):  # API Gateway's usual shape, which has its own fast path
        multi = {name: [value] if isinstance(value, str) else value for name, value in single.items()}
    event = {
        "httpMethod": "GET",
        "path": "/",
        "requestContext": {},
        "headers": single,
        "multiValueHeaders": multi,
    }
    expected = reference_v1_headers(single, multi)
    assert dict(read_request(event).headers) == expected
    for name in ("origin", "host", "x-\u03b4", "a\nb", "via", "absent"):
        assert event_header_values(event, name) == expected.get(name, ()), name

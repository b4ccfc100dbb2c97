"""URL building from events (execute-api with the stage, custom domains without), ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from api_core import ids as ids_module
from api_core.ids import is_id, new_id, utc_now
from api_core.resources import base_url_from_event

APP_PATH = "/api/v1/items/42"


def custom_domain(event, host="api.example.com", base_path=""):
    """What API Gateway sends through a custom domain: that Host, and a path without the stage."""
    event["headers"]["Host"] = host
    event["multiValueHeaders"]["Host"] = [host]
    event["requestContext"]["domainName"] = host
    event["requestContext"]["path"] = f"{base_path}{event['path']}"
    return event


# -- base URL -------------------------------------------------------------------------------------------
def test_behind_execute_api_the_url_keeps_the_stage(load_event):
    event = load_event("health-get-no-origin", path=APP_PATH)
    assert event["requestContext"]["path"] == f"/dev{APP_PATH}"
    assert (
        base_url_from_event(event, APP_PATH) == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev"
    )


def test_behind_a_custom_domain_there_is_no_stage(load_event):
    event = custom_domain(load_event("health-get-no-origin", path=APP_PATH))
    assert base_url_from_event(event, APP_PATH) == "https://api.example.com"


def test_a_custom_domain_base_path_mapping_is_kept(load_event):
    event = custom_domain(load_event("health-get-no-origin", path=APP_PATH), base_path="/shop")
    assert base_url_from_event(event, APP_PATH) == "https://api.example.com/shop"


def test_the_stage_is_whatever_the_event_says(load_event):
    event = load_event("health-get-no-origin", path=APP_PATH)
    event["requestContext"]["path"] = f"/prod{APP_PATH}"
    assert (
        base_url_from_event(event, APP_PATH) == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod"
    )


def test_a_local_http_server_keeps_its_scheme_and_port(load_event):
    event = load_event(
        "health-get-no-origin", path=APP_PATH, headers={"Host": "127.0.0.1:3000", "X-Forwarded-Proto": "http"}
    )
    event["requestContext"]["path"] = APP_PATH
    assert base_url_from_event(event, APP_PATH) == "http://127.0.0.1:3000"


def test_an_unknown_forwarded_proto_falls_back_to_https(load_event):
    event = load_event("health-get-no-origin", path=APP_PATH, headers={"X-Forwarded-Proto": "javascript"})
    assert base_url_from_event(event, APP_PATH).startswith("https://")


def test_without_host_header_the_domain_name_is_used(load_event):
    event = load_event("health-get-no-origin", path=APP_PATH, headers={"Host": None})
    assert (
        base_url_from_event(event, APP_PATH) == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev"
    )


def test_without_any_host_there_is_no_base_url(load_event):
    event = load_event("health-get-no-origin", path=APP_PATH, headers={"Host": None})
    del event["requestContext"]["domainName"]
    assert base_url_from_event(event, APP_PATH) is None


@pytest.mark.parametrize("spelling", ["HOST", "hOsT"])
def test_header_names_are_matched_whatever_their_case(load_event, spelling):
    event = load_event("health-get-no-origin", path=APP_PATH, headers={"Host": None})
    event["headers"][spelling] = "api.example.com"
    event["multiValueHeaders"][spelling] = ["api.example.com"]
    event["requestContext"]["path"] = APP_PATH
    assert base_url_from_event(event, APP_PATH) == "https://api.example.com"


def test_a_v2_event_uses_its_raw_path(load_event):
    event = load_event("health-v2-get-no-origin")
    assert base_url_from_event(event, event["rawPath"]) == f"https://{event['headers']['host']}"


@pytest.mark.parametrize(
    "host", ["evil.com#", "user@api.example.com", "api.example.com>; rel=x", "a:b", "[::1]:", "a.com, b.com"]
)
def test_a_malformed_host_never_becomes_a_url(load_event, host):
    # The entry point answers these with 400 first; called on its own, the helper still builds nothing.
    event = custom_domain(load_event("health-get-no-origin", path=APP_PATH), host=host)
    assert base_url_from_event(event, APP_PATH) is None


def test_the_url_is_built_from_the_validated_spelling_of_the_host(load_event):
    event = custom_domain(load_event("health-get-no-origin", path=APP_PATH), host="[2001:DB8::0:1]:8443")
    assert base_url_from_event(event, APP_PATH) == "https://[2001:db8::1]:8443"


@pytest.mark.parametrize("prefix", ["/a#b", "/a?b", "/a b", "/a>b", "/%zz", "/caf\u00e9"])
def test_a_client_path_prefix_that_is_not_a_clean_path_is_left_out(load_event, prefix):
    event = custom_domain(load_event("health-get-no-origin", path=APP_PATH), base_path=prefix)
    assert base_url_from_event(event, APP_PATH) == "https://api.example.com"


# -- ids and time ---------------------------------------------------------------------------------------
def test_ids_are_uuid7_and_strictly_increasing_as_strings():
    ids = [new_id() for _ in range(2000)]
    assert all(is_id(i) for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    # spelled as the standard library spells the same UUID, version 7 and RFC 9562's variant
    parsed = [uuid.UUID(i) for i in ids]
    assert [str(u) for u in parsed] == ids
    assert {(u.version, u.variant) for u in parsed} == {(7, uuid.RFC_4122)}


@pytest.mark.parametrize("text", ["", "42", "../items", "0192F3A0-1C2D-7E3F-8A4B-5C6D7E8F9A01", "x" * 36])
def test_is_id_refuses_anything_else(text):
    assert not is_id(text)


def test_utc_now_is_iso_8601_utc_with_milliseconds():
    assert len(utc_now()) == len("2026-11-05T12:34:56.789Z")
    assert utc_now().endswith("Z")


@pytest.mark.parametrize(
    "ns",
    [
        0,
        1_764_201_600_000_000_000,
        1_764_201_600_999_999_999,
        1_764_201_601_000_000_000,
        4_102_444_799_123_456_789,
    ],
)
def test_utc_now_spells_the_time_as_datetime_would(monkeypatch, ns):
    # WHEN the clock reads `ns` (seconds repeat across calls: the spelled second is reused)
    monkeypatch.setattr(ids_module.time, "time_ns", lambda: ns)
    expected = datetime.fromtimestamp(ns // 1_000_000 / 1000, UTC).isoformat(timespec="milliseconds")
    # THEN ISO 8601 UTC with milliseconds and a Z, as datetime spells it
    assert utc_now() == utc_now() == expected.replace("+00:00", "Z")

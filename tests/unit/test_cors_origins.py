"""Origin parsing and matching: exact serialized origins, and `scheme://*.parent` subdomain patterns."""

import pytest
from api_core.cors.origins import InvalidOrigin, Origin, SubdomainPattern, parse_allowed_entry, parse_origin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://app.example.com", Origin("https", "app.example.com", None)),
        ("http://localhost:5173", Origin("http", "localhost", 5173)),
        ("http://127.0.0.1:3000", Origin("http", "127.0.0.1", 3000)),
        ("http://[::1]:8080", Origin("http", "[::1]", 8080)),
        ("https://xn--bcher-kva.example", Origin("https", "xn--bcher-kva.example", None)),
        ("capacitor://localhost", Origin("capacitor", "localhost", None)),
    ],
)
def test_serialized_origins_parse(text, expected):
    assert parse_origin(text) == expected


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("https://app.example.com/", "no path"),
        ("https://app.example.com/app", "no path"),
        ("https://app.example.com?x=1", "no path"),
        ("https://user@app.example.com", "userinfo"),
        ("app.example.com", "scheme"),
        ("//app.example.com", "scheme"),
        ("HTTPS://app.example.com", "lowercase"),
        ("https://App.Example.com", "lowercase"),
        ("https://app.example.com:443", "default port"),
        ("http://app.example.com:80", "default port"),
        ("https://app.example.com:0", "port"),
        ("https://app.example.com:065", "port"),
        ("https://app.example.com:70000", "port"),
        ("https://app.example.com:", "port"),
        (" https://app.example.com", "whitespace"),
        ("", "whitespace"),
        ("https://app_example.com", "host"),
        ("https://-app.example.com", "host"),
        ("https://app..example.com", "host"),
        ("https://app.example.com, https://evil.net", "no path"),
        ("https://", "host"),
    ],
)
def test_non_serialized_origins_are_refused_with_the_rule(text, rule):
    with pytest.raises(InvalidOrigin, match=rule):
        parse_origin(text)


PATTERN = parse_allowed_entry("https://*.preview.example.com")


@pytest.mark.parametrize(
    "origin",
    ["https://pr-1.preview.example.com", "https://a.b.preview.example.com"],
)
def test_subdomain_pattern_matches_one_or_more_labels(origin):
    assert isinstance(PATTERN, SubdomainPattern)
    assert PATTERN.matches(parse_origin(origin))


@pytest.mark.parametrize(
    "origin",
    [
        "https://preview.example.com",  # the parent itself
        "http://pr-1.preview.example.com",  # scheme downgrade
        "https://pr-1.preview.example.com:8443",  # other port
        "https://pr-1preview.example.com",  # suffix trick without a dot
        "https://evilpreview.example.com",
        "https://pr-1.preview.example.com.evil.net",  # allowed host as a prefix
        "https://preview.example.com.evil.net",
        "https://example.com",
    ],
)
def test_subdomain_pattern_rejects_lookalikes(origin):
    assert not PATTERN.matches(parse_origin(origin))


def test_subdomain_pattern_keeps_its_port():
    pattern = parse_allowed_entry("http://*.localtest.me:5173")
    assert pattern.matches(parse_origin("http://app.localtest.me:5173"))
    assert not pattern.matches(parse_origin("http://app.localtest.me"))


@pytest.mark.parametrize(
    ("entry", "rule"),
    [
        ("https://*.com", "registrable parent"),
        ("https://*.127.0.0.1", "registrable parent"),
        ("https://a.*.example.com", "leftmost label"),
        ("https://*example.com", "leftmost label"),
        ("*", "leftmost label"),
        ("https://*.example.com/", "no path"),
        ("https://*.Example.com", "lowercase"),
    ],
)
def test_bad_patterns_are_refused(entry, rule):
    with pytest.raises(InvalidOrigin, match=rule):
        parse_allowed_entry(entry)

"""api_core.authority: the Host header read as an RFC 3986 host[:port], and the scheme beside it."""

from __future__ import annotations

import pytest
from api_core.authority import Authority, MalformedHost, parse_host, read_authority

APP_PATH = "/api/v1/items"


@pytest.mark.parametrize(
    ("value", "host", "port"),
    [
        ("api.example.com", "api.example.com", None),
        ("API.Example.COM", "api.example.com", None),  # case-insensitive, kept lowercase
        ("api.example.com.", "api.example.com.", None),  # a fully qualified name's trailing dot
        ("localhost:3000", "localhost", 3000),
        ("127.0.0.1:65535", "127.0.0.1", 65535),
        ("my_host~1-a:1", "my_host~1-a", 1),
        ("[::1]", "[::1]", None),
        ("[::1]:8080", "[::1]", 8080),
        ("[2001:DB8:0:0::1]:443", "[2001:db8::1]", 443),  # one spelling of each address
        ("[::FFFF:192.0.2.1]", "[::ffff:192.0.2.1]", None),
    ],
)
def test_valid_hosts_parse_to_one_spelling(value, host, port):
    assert parse_host(value) == (host, port)


MALFORMED = [
    "",
    ":80",
    "a:b",
    "example.com:",  # an empty port: legal in RFC 3986, refused here (one spelling per authority)
    "example.com:080",  # a leading zero: likewise
    "example.com:0",
    "example.com:65536",
    "example.com:99999999999999999999",
    "example.com:+80",
    "example.com: 80",
    "example.com:8080:1",
    "::1",  # IPv6 without brackets
    "::1:8080",
    "[::1",
    "[::1]x",
    "[::1]:",
    "[::1]:0x50",
    "[::g]",
    "[]",
    "[fe80::1%eth0]",  # a zone
    "[fe80::1%25eth0]",
    "[v1.fe]",  # IPvFuture
    "[127.0.0.1]",
    "user@example.com",
    "user:pass@example.com",
    "example.com#frag",
    "example.com/path",
    "example.com?q",
    "example.com\\evil",
    "example.com>; rel=evil",
    "exa mple.com",
    "example.com\t",
    "a,b",  # two hosts joined, as a v2 event joins a repeated header
    "%65xample.com",
    "ex\u00e4mple.com",
    "\u212a.example.com",  # KELVIN SIGN: lowercases to an ASCII "k"
    "example\u3002com",  # ideographic full stop
    "a" * 256,
]


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_hosts_are_refused(value):
    with pytest.raises(MalformedHost):
        parse_host(value)


def test_a_host_of_255_characters_is_accepted():
    assert parse_host("a" * 255) == ("a" * 255, None)


def event(headers: dict[str, str], **context) -> dict:
    return {
        "httpMethod": "GET",
        "path": APP_PATH,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "requestContext": {"domainName": "abc.execute-api.us-east-1.amazonaws.com", **context},
    }


def test_the_authority_of_a_request_is_its_validated_host_and_scheme():
    authority = read_authority(event({"Host": "API.example.com:8443", "X-Forwarded-Proto": "HTTP"}))
    assert authority == Authority("http", "api.example.com", 8443)
    assert authority.base_url == "http://api.example.com:8443"
    assert authority.server == ("api.example.com", 8443)


def test_without_a_port_the_server_port_is_the_schemes_default():
    assert read_authority(event({"Host": "[::1]"})).server == ("[::1]", 443)
    assert read_authority(event({"Host": "[::1]", "X-Forwarded-Proto": "http"})).server == ("[::1]", 80)


@pytest.mark.parametrize("proto", ["javascript", "", "https://evil", "ftp", "http evil"])
def test_any_other_forwarded_proto_is_https(proto):
    assert read_authority(event({"Host": "a.example.com", "X-Forwarded-Proto": proto})).scheme == "https"


def test_a_repeated_host_is_refused():
    repeated = event({"Host": "a.example.com"})
    repeated["multiValueHeaders"]["Host"] = ["a.example.com", "b.example.com"]
    with pytest.raises(MalformedHost, match="more than once"):
        read_authority(repeated)


def test_without_a_host_header_the_domain_name_is_used_and_a_malformed_one_ignored():
    assert read_authority(event({})) == Authority("https", "abc.execute-api.us-east-1.amazonaws.com", None)
    assert read_authority(event({}, domainName="evil.com#x")) is None
    assert read_authority(event({}, domainName=None)) is None

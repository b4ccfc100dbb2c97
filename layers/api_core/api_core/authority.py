"""Where a request was addressed: its scheme and `Host`, validated, the only source of the URLs the API
builds (`Location`, `Link`) and of the ASGI `server` the app sees. Pure.

The Host header is the client's: behind API Gateway it is the API's domain, but `make dev`, a Function URL
or another proxy may pass on whatever the client sent. So it is parsed as an RFC 3986 `host[:port]`,
narrowed to what a client of an HTTP API can mean by it (docs/RELIABILITY.md, "Limits and answers"):

- host: a reg-name of letters, digits, `-`, `.`, `_`, `~` (so also an IPv4 address and a trailing dot), at
  most 255 characters, case-insensitive (kept lowercase); or an IPv6 address in brackets, without a zone.
  Percent-encoding, userinfo (`user@`), IPvFuture and anything else is refused.
- port: 1-65535, digits only, no leading zero. An empty port (`host:`) is refused: RFC 3986 allows it,
  no client sends it, and one spelling per authority keeps the URLs comparable.

The entry point refuses a request whose Host fails (400 `malformed-host`) before anything else runs, so
what later steps read through `read_authority` is known to be well-formed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from api_core.events import event_header_values

MAX_HOST_CHARS = 255
_REG_NAME = re.compile(r"[a-z0-9._~-]+\Z")
_PORT = re.compile(r"[1-9][0-9]{0,4}\Z")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class MalformedHost(ValueError):
    """The Host header is not a `host[:port]` this API accepts; the message says what is wrong."""


# The ASGI scope key under which the entry point hands the app the authority it validated (or None).
AUTHORITY_SCOPE_KEY = "api_core.authority"
# ... and the header map it read (lowercase name -> values), when the event had the usual shape.
HEADERS_SCOPE_KEY = "api_core.headers"


@dataclass(frozen=True, slots=True)
class Authority:
    """The validated scheme, host and port of a request."""

    scheme: str  # "http" or "https"
    host: str  # lowercase reg-name or IPv4 address, or an IPv6 address in brackets: "[::1]"
    port: int | None  # None when the Host had no port

    @property
    def netloc(self) -> str:
        """`host[:port]`, as the URLs the API builds spell it."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """`scheme://host[:port]`."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def server(self) -> tuple[str, int]:
        """The ASGI scope's `server`: the host and the port, the scheme's default when the Host has none."""
        return self.host, self.port if self.port is not None else _DEFAULT_PORTS[self.scheme]


def parse_host(value: str) -> tuple[str, int | None]:
    """(host, port) of a Host header value; raises `MalformedHost` unless it is a valid `host[:port]`."""
    if not value.isascii():  # before lowercasing: "\u212a".lower() is an ASCII "k"
        raise MalformedHost("the Host header holds characters outside ASCII")
    if value.startswith("["):
        literal, bracket, rest = value[1:].partition("]")
        if not bracket:
            raise MalformedHost("the Host header opens an IPv6 literal and does not close it")
        host = _ipv6(literal)
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
        host = name.lower()
        if not host:
            raise MalformedHost("the Host header has no host")
        if len(host) > MAX_HOST_CHARS:
            raise MalformedHost(f"the Host header's host is longer than {MAX_HOST_CHARS} characters")
        if not _REG_NAME.match(host):
            raise MalformedHost("the Host header's host may hold only letters, digits, '-', '.', '_', '~'")
    if not rest:
        return host, None
    if not rest.startswith(":") or not _PORT.match(rest[1:]) or int(rest[1:]) > 65535:
        detail = "the Host header's host may be followed only by ':' and a port from 1 to 65535"
        raise MalformedHost(detail + " (digits, no leading zero)")
    return host, int(rest[1:])


def read_authority(
    event: Mapping[str, Any], headers: Mapping[str, tuple[str, ...]] | None = None
) -> Authority | None:
    """The request's scheme and host, from its Host header, else from `requestContext.domainName` (API
    Gateway's own, ignored when malformed); None when neither names a host.

    Raises `MalformedHost` when the Host header is malformed or appears more than once (RFC 9112 3.2).
    The scheme is `X-Forwarded-Proto`'s first value when it is `http` or `https`, else `https`.
    `headers` is the event's header map as `api_core.events.read_request` read it, when at hand.
    """
    if headers is None:
        proto_values, values = (
            event_header_values(event, "x-forwarded-proto"),
            event_header_values(event, "host"),
        )
    else:
        proto_values, values = headers.get("x-forwarded-proto", ()), headers.get("host", ())
    proto = proto_values[0] if proto_values else ""
    if len(values) > 1:
        raise MalformedHost("the Host header appears more than once")
    if values:
        return authority_of(proto, values[0])
    context = event.get("requestContext")
    domain = context.get("domainName") if isinstance(context, Mapping) else None
    if not isinstance(domain, str):
        return None
    try:
        return authority_of(proto, domain)
    except MalformedHost:
        return None


@lru_cache(maxsize=256)
def authority_of(proto: str, host: str) -> Authority:
    """The authority of a Host value, the scheme from X-Forwarded-Proto's first value ("" without one), as
    `read_authority` reads them; raises `MalformedHost`."""
    # Pure, and asked on every request with the same few values (the API's domain, behind API Gateway or
    # CloudFront, each with its X-Forwarded-Proto): remembered. 256 holds every host a function is
    # reached by; a client sending many Hosts (a Function URL passes them on) only evicts, and each key is
    # at most two header values. A malformed Host raises, and is never remembered.
    scheme = proto.split(",", maxsplit=1)[0].strip().lower()
    return Authority(scheme if scheme in _DEFAULT_PORTS else "https", *parse_host(host))


def _ipv6(literal: str) -> str:
    # ipaddress accepts a zone ("fe80::1%eth0"), which a URI spells %25-encoded (RFC 6874): refused here.
    if "%" in literal:
        raise MalformedHost("the Host header's IPv6 address may not carry a zone")
    try:
        address = ipaddress.IPv6Address(literal)
    except ValueError:
        raise MalformedHost("the Host header's brackets hold no IPv6 address") from None
    return f"[{address.compressed}]"

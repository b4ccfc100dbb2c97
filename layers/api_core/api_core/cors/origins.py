"""Parsing and matching of web origins, as browsers serialize them in the `Origin` header.

An origin is `scheme://host[:port]` and nothing else (RFC 6454 section 6.1): no path, no trailing slash,
no userinfo, lowercase, default port omitted. Browsers send exactly that form, so a configured entry in
any other form can never match and is refused at start-up instead of failing silently later.

Matching is done on parsed parts (scheme, host labels, port). It never uses substring, prefix, suffix or
unanchored regex tests on the raw string: those are the root of most CORS bypasses
(`https://example.com.evil.net`, `https://evilexample.com`).

A configured entry (`parse_allowed_entry`) is held to more than what a browser may send: http or https
only, and a subdomain pattern's parent must not be a public suffix (`public_suffix`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
# One DNS label as it appears in a serialized origin (IDNs arrive punycoded, already lowercase).
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_IPV6 = re.compile(r"\[[0-9a-f:.]+\]\Z")
_PORT = re.compile(r"[1-9][0-9]{0,4}\Z")
_DEFAULT_PORTS = {"http": 80, "https": 443}  # serialization omits these


class InvalidOrigin(ValueError):
    """The text is not a serialized origin; the message says which rule it breaks."""


@dataclass(frozen=True, slots=True)
class Origin:
    """A parsed serialized origin. `port` is None when the scheme's default applies."""

    scheme: str
    host: str
    port: int | None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.host.split("."))


@dataclass(frozen=True, slots=True)
class SubdomainPattern:
    """`scheme://*.parent.tld[:port]`: one or more DNS labels directly under `parent.tld`.

    The parent itself is not matched (list it separately if it should be), nor any other scheme or port.
    """

    scheme: str
    parent_labels: tuple[str, ...]
    port: int | None

    def matches(self, origin: Origin) -> bool:
        if origin.scheme != self.scheme or origin.port != self.port or _is_ip(origin.host):
            return False
        labels = origin.labels
        extra = len(labels) - len(self.parent_labels)
        return extra >= 1 and labels[extra:] == self.parent_labels

    def __str__(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://*.{'.'.join(self.parent_labels)}{port}"


def parse_origin(text: str) -> Origin:
    """Parse one serialized origin exactly as a browser would send it, or raise InvalidOrigin."""
    if text != text.strip() or not text:
        raise InvalidOrigin("an origin has no surrounding whitespace and is not empty")
    if text != text.lower():
        raise InvalidOrigin("browsers send origins in lowercase")
    scheme, sep, rest = text.partition("://")
    if not sep or not _SCHEME.match(scheme):
        raise InvalidOrigin("an origin starts with a scheme such as https://")
    if "/" in rest or "?" in rest or "#" in rest:
        raise InvalidOrigin("an origin has no path, query or trailing slash")
    if "@" in rest:
        raise InvalidOrigin("an origin has no userinfo (user@)")
    host, port = _split_port(rest)
    _check_host(host)
    if port is not None and _DEFAULT_PORTS.get(scheme) == port:
        raise InvalidOrigin(f"browsers omit the default port {port} for {scheme}")
    return Origin(scheme, host, port)


def parse_allowed_entry(text: str) -> Origin | SubdomainPattern:
    """Parse one configured entry: an exact http(s) origin, or a `scheme://*.parent` subdomain pattern
    whose parent is not a public suffix. This is the one grammar of an allowed origin: the functions apply
    it at cold start, and `make deploy-prod` (tools/check-prod-origins.py) applies it before a deploy."""
    scheme, sep, rest = text.partition("://")
    if sep and scheme not in _DEFAULT_PORTS and scheme == scheme.lower():
        # Browsers send other schemes too (extensions, app shells), but the template's AllowedPattern
        # admits none, so a function can never be configured with one.
        raise InvalidOrigin("an allowed origin's scheme is http or https")
    if sep and rest.startswith("*."):
        # Validate the parent as if it were an origin, so the same rules (case, path, port) apply.
        parent = parse_origin(f"{scheme}://{rest[2:]}")
        if _is_ip(parent.host) or len(parent.labels) < 2:
            raise InvalidOrigin("a subdomain pattern needs a registrable parent such as *.example.com")
        # Imported here: the list is read only when a pattern is configured, never for exact origins.
        from api_core.cors.public_suffix import is_public_suffix  # noqa: PLC0415

        if is_public_suffix(parent.host):
            raise InvalidOrigin(
                f"a subdomain pattern's parent must not be a public suffix, and {parent.host} is on the "
                "Public Suffix List (anyone can publish a site under it): use *.yourdomain.example"
            )
        return SubdomainPattern(parent.scheme, parent.labels, parent.port)
    if "*" in text:
        raise InvalidOrigin("a wildcard is only allowed as the leftmost label: https://*.example.com")
    return parse_origin(text)


def _split_port(rest: str) -> tuple[str, int | None]:
    if rest.startswith("["):
        host, bracket, after = rest.partition("]")
        if not bracket:
            raise InvalidOrigin("an IPv6 address is closed by ']'")
        host += "]"
        if not after:
            return host, None
        if not after.startswith(":"):
            raise InvalidOrigin("unexpected text after an IPv6 address")
        port_text = after[1:]
    elif ":" in rest:
        host, _, port_text = rest.rpartition(":")
    else:
        return rest, None
    if not _PORT.match(port_text) or int(port_text) > 65535:
        raise InvalidOrigin("the port is a number from 1 to 65535 without leading zeros")
    return host, int(port_text)


def _check_host(host: str) -> None:
    if _IPV6.match(host):
        return
    labels = host.split(".")
    if not host or len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidOrigin("the host is not a valid lowercase DNS name or IP address")


def _is_ip(host: str) -> bool:
    return host.startswith("[") or all(label.isdigit() for label in host.split("."))

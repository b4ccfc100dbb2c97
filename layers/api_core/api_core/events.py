"""What the layer needs to know of a Lambda HTTP event, read the same way from every source Mangum accepts.

API Gateway REST (payload v1, with or without multiValueHeaders), HTTP API (v2) and Function URLs (v2
shape) spell methods, paths and headers differently. This module turns each into one `HttpRequest`, and
writes responses back in the shape the source expects. Mangum does the same for the ASGI app; the layer
needs its own reading because it answers preflights and refusals before Mangum runs, and because it must
see a repeated Origin header as repeated, where Mangum joins the values with a comma.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain
from typing import Any

LambdaResponse = dict[str, Any]
# The methods that change state: screened for a JSON body and a time budget, and refused outright from an
# origin the CORS policy refuses (CORS alone lets a simple cross-site POST through).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class EventFormat(StrEnum):
    REST_V1 = "1.0"
    HTTP_V2 = "2.0"


class MalformedEvent(ValueError):
    """The event is not an HTTP event this layer can read; the message names the missing part."""


@dataclass(frozen=True, slots=True)
class HttpRequest:
    format: EventFormat
    method: str
    path: str
    headers: Mapping[str, tuple[str, ...]]  # lowercase name -> every value received, in order
    request_id: str | None

    def header(self, name: str) -> str | None:
        values = self.headers.get(name)
        return values[0] if values else None


def read_request(event: Any) -> HttpRequest:
    """Read method, path, headers and request id from an API Gateway v1/v2 or Function URL event."""
    if not isinstance(event, dict):
        raise MalformedEvent("the event is not a JSON object")
    context = event.get("requestContext")
    if not isinstance(context, dict):
        raise MalformedEvent("the event has no requestContext object")
    if event.get("version") == "2.0":
        http = context.get("http")
        method = http.get("method") if isinstance(http, dict) else None
        path = event.get("rawPath")
        headers = _v2_headers(event.get("headers"))
        fmt = EventFormat.HTTP_V2
    else:
        method = event.get("httpMethod")
        path = event.get("path")
        headers = _v1_headers(event.get("headers"), event.get("multiValueHeaders"))
        fmt = EventFormat.REST_V1
    if not isinstance(method, str) or not method:
        raise MalformedEvent("the event has no HTTP method")
    if not isinstance(path, str) or not path.startswith("/"):
        raise MalformedEvent("the event has no path")
    request_id = context.get("requestId")
    return HttpRequest(fmt, method, path, headers, request_id if isinstance(request_id, str) else None)


def event_header(event: Mapping[str, Any], name: str) -> str | None:
    """The first value of one header (`name` lowercase), read as `read_request` reads it, without
    building the whole header map: for code that needs one header of the event, e.g. `Host`."""
    values = event_header_values(event, name)
    return values[0] if values else None


def event_header_values(event: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """Every value of one header (`name` lowercase), in order, as `read_request` sees them."""
    if event.get("version") == "2.0":
        single = event.get("headers")
        if not isinstance(single, dict):
            return ()
        return tuple(v for k, v in single.items() if str(k).lower() == name and isinstance(v, str))
    single, multi = event.get("headers"), event.get("multiValueHeaders")
    from_multi, from_single = _named(multi, name, list), _named(single, name, str)
    if from_multi is None or from_single is None:  # a shape the whole-map reading must decide
        return _v1_headers(single, multi, only=name).get(name, ())
    known = [value for values in from_multi for value in values if isinstance(value, str)]
    return (*known, *(value for value in from_single if value not in known))


def _named(mapping: Any, name: str, kind: type) -> list[Any] | None:
    # The values of type `kind` under `name` (lowercase) in one header map, found by lowercasing all
    # names in one operation, as `_lowercase_names` would find them. None for names that are not ASCII
    # text, or that hold a line break: the general reading decides those.
    if not isinstance(mapping, dict):
        return []
    try:
        joined = "\n".join(mapping)
    except TypeError:
        return None
    lowered = joined.lower().split("\n") if mapping else []
    if not joined.isascii() or len(lowered) != len(mapping):
        return None
    found: list[Any] = []
    if name in lowered:
        for key, lower in zip(mapping, lowered, strict=True):
            if lower == name and isinstance(mapping[key], kind):
                found.append(mapping[key])
    return found


def with_method(event: Mapping[str, Any], method: str) -> dict[str, Any]:
    """A shallow copy of `event` that says `method` wherever v1 or v2 events name the method."""
    copy = dict(event)
    context = event.get("requestContext")
    if isinstance(context, dict):
        copy["requestContext"] = context = dict(context)
        http = context.get("http")
        if isinstance(http, dict):
            context["http"] = {**http, "method": method}
        if "httpMethod" in context:
            context["httpMethod"] = method
    if "httpMethod" in event:
        copy["httpMethod"] = method
    return copy


def _v1_headers(single: Any, multi: Any, only: str | None = None) -> dict[str, tuple[str, ...]]:
    # API Gateway fills both maps from the same request, and multiValueHeaders has every occurrence, so
    # its values come first. Other producers fill them unevenly, so a header found only in `headers` still
    # counts (an Origin anywhere in the event is an Origin), and a value of `headers` that multiValueHeaders
    # lacks is one more occurrence: a repeated header stays visible as repeated. A value both maps hold is
    # one occurrence. Names are case-insensitive: two spellings of one name are two occurrences.
    agreeing = _agreeing_v1_headers(single, multi)
    if agreeing is not None:
        return agreeing if only is None else {only: agreeing[only]} if only in agreeing else {}
    from_multi = _lowercase_names(multi, only, multi_valued=True)
    merged = dict(from_multi)
    for header, values in _lowercase_names(single, only, multi_valued=False).items():
        known = from_multi.get(header, [])
        merged[header] = known + [value for value in values if value not in known]
    return {header: tuple(values) for header, values in merged.items()}


def _agreeing_v1_headers(single: Any, multi: Any) -> dict[str, tuple[str, ...]] | None:
    # The shape API Gateway sends for a request without repeated headers: the same ASCII names in the
    # same order in both maps, and one text value per name, the same in both. It is checked and
    # lowercased by whole-map operations instead of a loop per header (most of a preflight's time on a
    # CloudFront-sized event). Anything else: None, and the general merge decides.
    if type(single) is not dict or type(multi) is not dict or len(single) != len(multi):
        return None
    try:
        names = "\n".join(multi)
        values = [*chain.from_iterable(multi.values())]
        if names != "\n".join(single) or not names.isascii():
            return None
        # As many values as names, none of them an empty list: one value per name.
        if len(values) != len(multi) or not all(multi.values()) or values != [*single.values()]:
            return None
        "".join(values)  # raises TypeError unless every value is text
    except TypeError:
        return None
    lowered = names.lower().split("\n")
    merged = dict(zip(lowered, zip(values), strict=False))
    # A name holding a line break, or one name spelled two ways: the general merge handles both.
    return merged if len(lowered) == len(merged) == len(multi) else None


def _lowercase_names(mapping: Any, only: str | None, *, multi_valued: bool) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if not isinstance(mapping, dict):
        return found
    for key, value in mapping.items():
        header = str(key).lower()
        if only is not None and header != only:
            continue
        if multi_valued and isinstance(value, list):
            found.setdefault(header, []).extend(v for v in value if isinstance(v, str))
        elif not multi_valued and isinstance(value, str):
            found.setdefault(header, []).append(value)
    return found


def _v2_headers(headers: Any) -> dict[str, tuple[str, ...]]:
    # v2 has already joined repeated headers with commas; a joined Origin then fails origin parsing,
    # which is the intended outcome for a repeated Origin.
    if not isinstance(headers, dict):
        return {}
    return {str(k).lower(): (v,) for k, v in headers.items() if isinstance(v, str)}


def make_response(
    fmt: EventFormat, status: int, headers: Mapping[str, str], body: str = ""
) -> LambdaResponse:
    """A response the event's source understands, with a text body."""
    response: LambdaResponse = {
        "statusCode": status,
        "headers": dict(headers),
        "body": body,
        "isBase64Encoded": False,
    }
    if fmt is EventFormat.REST_V1:
        response["multiValueHeaders"] = {}
    return response


def json_response(fmt: EventFormat, status: int, payload: Any, content_type: str) -> LambdaResponse:
    body = json.dumps(payload, separators=(",", ":"))
    return make_response(fmt, status, {"Content-Type": content_type}, body)


def merge_headers(response: LambdaResponse, add: Mapping[str, str], vary: tuple[str, ...]) -> None:
    """Set `add` on a Lambda response in place, dropping any earlier spelling of the same names, and merge
    `vary` into the response's Vary so each field name appears once.

    Header names are compared case-insensitively across `headers` and `multiValueHeaders`, since API
    Gateway merges both maps into one response.
    """
    headers = response.get("headers")
    if not isinstance(headers, dict):
        headers = response["headers"] = {}
    multi = response.get("multiValueHeaders")
    multi = multi if isinstance(multi, dict) else {}
    existing_vary: list[str] = []
    replaced = {name.lower() for name in add} | {"vary"}
    for mapping in (headers, multi):
        for name in [n for n in mapping if n.lower() in replaced]:
            value = mapping.pop(name)
            if name.lower() == "vary":
                existing_vary.extend(value if isinstance(value, list) else [value])
    headers.update(add)
    if vary or existing_vary:
        headers["Vary"] = _merge_vary(existing_vary, vary)


def strip_headers(response: LambdaResponse, prefix: str) -> None:
    """Remove every header whose lowercase name starts with `prefix` (one owner for CORS headers)."""
    for key in ("headers", "multiValueHeaders"):
        mapping = response.get(key)
        if isinstance(mapping, dict):
            for name in [n for n in mapping if n.lower().startswith(prefix)]:
                del mapping[name]


def _merge_vary(existing: list[str], vary: tuple[str, ...]) -> str:
    fields: list[str] = []
    seen: set[str] = set()
    for item in [*existing, *vary]:
        for name in item.split(","):
            name = name.strip()  # noqa: PLW2901
            if name and name.lower() not in seen:
                seen.add(name.lower())
                fields.append(name)
    if "*" in seen:
        return "*"
    return ", ".join(fields)

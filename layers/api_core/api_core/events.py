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
from enum import StrEnum
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

LambdaResponse = dict[str, Any]
# The methods that change state: screened for a JSON body and a time budget, and refused outright from an
# origin the CORS policy refuses (CORS alone lets a simple cross-site POST through).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def with_head(methods: frozenset[str] | set[str]) -> frozenset[str]:
    """`methods`, with HEAD wherever GET is (RFC 9110 9.3.2): FastAPI's routes declare GET alone, and the
    entry point runs a HEAD as the GET it mirrors (api_core.lambda_handler)."""
    return frozenset(methods | {"HEAD"} if "GET" in methods else methods)


_FIRST = itemgetter(0)


class EventFormat(StrEnum):
    REST_V1 = "1.0"
    HTTP_V2 = "2.0"


class MalformedEvent(ValueError):
    """The event is not an HTTP event this layer can read; the message names the missing part."""


class HttpRequest(NamedTuple):
    """One request as the layer reads it, whatever the event's source. Immutable (a named tuple: one is
    made per request, and a frozen dataclass costs several times as much to build)."""

    format: EventFormat
    method: str
    path: str
    headers: Mapping[str, tuple[str, ...]]  # lowercase name -> every value received, in order
    request_id: str | None
    # True when a v1 event's two header maps had API Gateway's usual shape (the same names, one value
    # each, the same in both) and every name and value is ASCII: nothing in them needs screening for
    # Unicode, and the ASGI scope can be built from `headers` (api_core.asgi_scope).
    plain_headers: bool = False

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
        headers, plain = _v2_headers(event.get("headers")), False
        fmt = EventFormat.HTTP_V2
    else:
        method = event.get("httpMethod")
        path = event.get("path")
        single, multi = event.get("headers"), event.get("multiValueHeaders")
        agreeing = _agreeing_v1_headers(single, multi)
        headers, plain = agreeing if agreeing is not None else (_merged_v1_headers(single, multi), False)
        fmt = EventFormat.REST_V1
    if not isinstance(method, str) or not method:
        raise MalformedEvent("the event has no HTTP method")
    if not isinstance(path, str) or not path.startswith("/"):
        raise MalformedEvent("the event has no path")
    request_id = context.get("requestId")
    request_id = request_id if isinstance(request_id, str) else None
    return HttpRequest(fmt, method, path, headers, request_id, plain)


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
        headers = agreeing[0]
        return headers if only is None else {only: headers[only]} if only in headers else {}
    return _merged_v1_headers(single, multi, only)


def _merged_v1_headers(single: Any, multi: Any, only: str | None = None) -> dict[str, tuple[str, ...]]:
    from_multi = _lowercase_names(multi, only, multi_valued=True)
    merged = dict(from_multi)
    for header, values in _lowercase_names(single, only, multi_valued=False).items():
        known = from_multi.get(header, [])
        merged[header] = known + [value for value in values if value not in known]
    return {header: tuple(values) for header, values in merged.items()}


def _agreeing_v1_headers(single: Any, multi: Any) -> tuple[dict[str, tuple[str, ...]], bool] | None:
    # The shape API Gateway sends for a request without repeated headers: the same ASCII names in the
    # same order in both maps, and one text value per name, the same in both. It is checked by whole-map
    # operations instead of a loop per header (most of a preflight's time on a CloudFront-sized event),
    # and the names are lowercased once per set of names (`_lowered`). The header map, and whether the
    # values are ASCII too; anything else: None, and the general merge decides.
    if type(single) is not dict or type(multi) is not dict:
        return None
    try:
        names = "\n".join(multi)
        values = tuple(single.values())
        text = "".join(values)  # raises TypeError unless every value is text
        # Each multiValueHeaders entry's first item is the value `headers` has (IndexError for an empty
        # list, TypeError for what cannot be indexed), and there are as many items as names: one each.
        if "\n".join(single) != names or [*map(_FIRST, multi.values())] != [*values]:
            return None
        if sum(map(len, multi.values())) != len(values):
            return None
    except (TypeError, LookupError):
        return None
    lowered = lowered_names(names) if values else ()
    # A name holding a line break, one name spelled two ways, a name outside ASCII: the general merge.
    if lowered is None or len(lowered) != len(values):
        return None
    return dict(zip(lowered, zip(values), strict=True)), text.isascii()


@lru_cache(maxsize=256)
def lowered_names(names: str) -> tuple[str, ...] | None:
    """The lowercase names of one set of header names (joined by line breaks), None unless they are ASCII
    and distinct once lowercased: the names of API Gateway's usual header maps."""
    # Cached: a function sees a few sets (one per kind of client and request), so 256 holds them all; a
    # client sending new sets only evicts, and each entry is at most the event's header names (API Gateway
    # caps them at 10 KB per request).
    if not names.isascii():  # before lowercasing: "\u212a".lower() is an ASCII "k"
        return None
    lowered = tuple(names.lower().split("\n"))
    return lowered if len(set(lowered)) == len(lowered) else None


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
        headers["Vary"] = merge_vary(existing_vary, vary)


def strip_headers(response: LambdaResponse, prefix: str) -> None:
    """Remove every header whose lowercase name starts with `prefix` (one owner for CORS headers)."""
    for key in ("headers", "multiValueHeaders"):
        mapping = response.get(key)
        if isinstance(mapping, dict):
            for name in [n for n in mapping if n.lower().startswith(prefix)]:
                del mapping[name]


def merge_vary(existing: list[str], vary: tuple[str, ...]) -> str:
    """One Vary value from the response's own values and `vary`: each field name once, `*` alone."""
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

"""Helpers for REST handler tests: point an event at real ids, read Link headers and URLs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

# The ids written in events/ (placeholders: real ids are assigned by the server at creation).
EVENT_ITEM_ID = "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9a01"
EVENT_USER_ID = "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9b02"
EVENT_ORDER_ID = "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9c03"
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]+)"')


def retarget(
    load_event: Callable[..., dict[str, Any]],
    name: str,
    *,
    item_id: str | None = None,
    user_id: str | None = None,
    order_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """events/<name>.json with its placeholder ids replaced by real ones in path, pathParameters and body."""
    replace = {
        EVENT_ITEM_ID: item_id,
        EVENT_USER_ID: user_id,
        EVENT_ORDER_ID: order_id,
    }
    replace = {old: new for old, new in replace.items() if new is not None}
    original = load_event(name)

    def swap(text: str) -> str:
        for old, new in replace.items():
            text = text.replace(old, new)
        return text

    if "path" not in overrides:
        overrides["path"] = swap(original["path"])
    if "path_parameters" not in overrides and original.get("pathParameters"):
        overrides["path_parameters"] = {k: swap(v) for k, v in original["pathParameters"].items()}
    if "body" not in overrides and original.get("body"):
        overrides["body"] = swap(original["body"])
    return load_event(name, **overrides)


def links(header: str | None) -> dict[str, str]:
    """An RFC 8288 Link header as {rel: url}."""
    return {rel: url for url, rel in _LINK.findall(header or "")}


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def path_of(url: str) -> str:
    return urlsplit(url).path


def body_of(event: Mapping[str, Any]) -> Any:
    return json.loads(event["body"])

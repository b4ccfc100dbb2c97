"""The smoke suite's only way to the API: HTTP to a base URL. Nothing of the project's code is imported,
so the same checks hold for `make dev`, a preview stack, dev and prod."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

# A deployed API answers in well under this; a hung request must still end the run.
REQUEST_TIMEOUT = 20


@dataclass(frozen=True)
class Reply:
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)

    def describe(self) -> str:
        """One line for a failure message: what was asked, what came back, and the ids to look up in the
        logs (the layer's X-Request-Id, API Gateway's x-amzn-RequestId)."""
        ids = ", ".join(
            f"{name} {self.headers[name]}"
            for name in ("x-request-id", "x-amzn-requestid")
            if name in self.headers
        )
        text = self.body[:400].decode(errors="replace")
        return f"{self.method} {self.url} -> {self.status} ({ids or 'no request id'}): {text}"


@dataclass
class Api:
    base_url: str
    # Sent with every request unless the call overrides it (a browser always sends its Origin cross-site).
    default_headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
        body: bytes | None = None,
    ) -> Reply:
        """`path` is relative to the base URL (or a full URL such as a Location); headers set to '' are
        left out, so a call can drop a default header."""
        merged = {**self.default_headers, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            merged.setdefault("Content-Type", "application/json")
        sent = {name: value for name, value in merged.items() if value != ""}
        url = self.url(path)
        req = urllib.request.Request(url, method=method, headers=sent, data=body)
        try:
            with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as response:
                return Reply(method, url, response.status, _lower(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(method, url, error.code, _lower(error.headers), error.read())


def _lower(headers: Any) -> dict[str, str]:
    # A repeated header (Vary from two sources) is kept whole, joined as HTTP allows.
    merged: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def tokens(value: str | None) -> set[str]:
    """The comma-separated elements of a header, lowercased (Vary, Allow-Methods, Expose-Headers)."""
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}

"""A pytest plugin for tests/delivery only (`-p smoke_breaker`): every read of one item answers 500, so
the smoke suite's round trip fails after it has created its item, as a real failure would."""

from __future__ import annotations

from smoke import client

_real_request = client.Api.request


def _request(self: client.Api, method: str, path: str, **kwargs: object) -> client.Reply:
    reply = _real_request(self, method, path, **kwargs)
    if method == "GET" and "/api/v1/items/" in path:
        return client.Reply(method, reply.url, 500, {}, b'{"detail": "broken on purpose by smoke_breaker"}')
    return reply


client.Api.request = _request  # type: ignore[method-assign]

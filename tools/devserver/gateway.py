"""API Gateway's own part of a REST API, read from the template: who needs a token, throttling, and the
gateway responses it answers with when no function is called. Pure: no Flask, no network.

- `Security`: which method of which resource carries a Cognito user pool authorizer (DefinitionBody's
  `security`, resolved for the parameter overrides). A method is the resource's own entry for the HTTP
  method, else its `x-amazon-apigateway-any-method`, as API Gateway picks it.
- `Throttle`: the stage's MethodSettings as API Gateway applies them: per method of the stage, a token
  bucket of `ThrottlingBurstLimit` tokens refilled at `ThrottlingRateLimit` tokens a second.
- `GatewayResponses`: the template's GatewayResponses rendered as API Gateway does: the type's own
  response, else DEFAULT_4XX/DEFAULT_5XX, else API Gateway's default; header values that are a quoted
  literal or a copy of a request header or query parameter; `$context` variables in the body template.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ANY_METHOD = "x-amazon-apigateway-any-method"
COGNITO = "cognito_user_pools"


class Security:
    """Which (resource, method) pairs need a Cognito ID token, from the API's DefinitionBody."""

    def __init__(self, definition: Mapping[str, Any] | None) -> None:
        definition = definition or {}
        schemes = definition.get("securityDefinitions") or {}
        cognito = {
            name
            for name, scheme in schemes.items()
            if isinstance(scheme, Mapping)
            and (
                scheme.get("x-amazon-apigateway-authtype") == COGNITO
                or (scheme.get("x-amazon-apigateway-authorizer") or {}).get("type") == COGNITO
            )
        }
        self._paths: dict[str, dict[str, bool]] = {}
        for path, methods in (definition.get("paths") or {}).items():
            self._paths[path] = {
                method.lower(): any(set(requirement) & cognito for requirement in entry.get("security") or [])
                for method, entry in methods.items()
                if isinstance(entry, Mapping)
            }

    @property
    def any_protected(self) -> bool:
        return any(any(methods.values()) for methods in self._paths.values())

    def method_key(self, resource: str, method: str) -> str:
        """The API Gateway method that serves `method` on `resource`: its own, or ANY."""
        methods = self._paths.get(resource, {})
        return method.upper() if method.lower() in methods or ANY_METHOD not in methods else "ANY"

    def needs_token(self, resource: str, method: str) -> bool:
        methods = self._paths.get(resource, {})
        return methods.get(method.lower(), methods.get(ANY_METHOD, False))


@dataclass
class TokenBucket:
    """Starts full; `take()` spends one token when there is one. Thread-safe."""

    rate: float
    burst: float
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    updated: float = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.tokens, self.updated = self.burst, self.clock()

    def take(self) -> bool:
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class Throttle:
    """The stage's MethodSettings throttling: one bucket per method, the most specific setting wins."""

    def __init__(self, method_settings: list[Mapping[str, Any]] | None, clock=time.monotonic) -> None:
        limits = ("ThrottlingRateLimit", "ThrottlingBurstLimit")
        self._settings = [s for s in method_settings or [] if any(name in s for name in limits)]
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket | None] = {}
        self._lock = threading.Lock()

    def allows(self, resource: str, method: str) -> bool:
        with self._lock:
            key = (resource, method)
            if key not in self._buckets:
                self._buckets[key] = self._bucket_for(resource, method)
            bucket = self._buckets[key]
        return bucket is None or bucket.take()

    def _bucket_for(self, resource: str, method: str) -> TokenBucket | None:
        matching = [s for s in self._settings if _setting_matches(s, resource, method)]
        if not matching:
            return None
        # "/*" and "*" are the stage's defaults; a setting that names the resource or method overrides them.
        best = max(matching, key=lambda s: (s.get("ResourcePath") != "/*", s.get("HttpMethod") != "*"))
        rate = float(best.get("ThrottlingRateLimit", 10000))
        burst = float(best.get("ThrottlingBurstLimit", 5000))
        return TokenBucket(rate, burst, self._clock)


def _setting_matches(setting: Mapping[str, Any], resource: str, method: str) -> bool:
    # MethodSettings name a resource with each '/' of its path written '~1', after a leading '/'.
    path = setting.get("ResourcePath", "/*")
    named = "/*" if path == "/*" else path[1:].replace("~1", "/")
    return named in ("/*", resource) and setting.get("HttpMethod", "*") in ("*", method)


# API Gateway's defaults for the response types make dev produces: status, error message, x-amzn-ErrorType.
DEFAULTS = {
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "ACCESS_DENIED": (403, "Forbidden", "AccessDeniedException"),
    "MISSING_AUTHENTICATION_TOKEN": (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
}
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
_CONTEXT_VARIABLE = re.compile(r"\$(?:context\.([A-Za-z][A-Za-z0-9.]*)|\{context\.([A-Za-z][A-Za-z0-9.]*)\})")


@dataclass(frozen=True)
class GatewayRequest:
    """What a gateway response may copy from the request, and the `$context` it is rendered with."""

    method: str
    path: str
    headers: Mapping[str, str]  # names in lower case
    query: Mapping[str, str]
    request_id: str
    stage: str
    resource: str = ""
    source_ip: str = "127.0.0.1"
    domain: str = "localhost"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str


class GatewayResponses:
    """The template's GatewayResponses (resolved), rendered for one request as API Gateway would."""

    def __init__(self, responses: Mapping[str, Any] | None) -> None:
        self._responses = dict(responses or {})

    def render(self, kind: str, request: GatewayRequest) -> Answer:
        status, message, error_type = DEFAULTS[kind]
        default = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        response = self._responses.get(kind) or self._responses.get(default) or {}
        status = int(response.get("StatusCode", status))
        headers = {"Content-Type": "application/json"}
        for name, source in ((response.get("ResponseParameters") or {}).get("Headers") or {}).items():
            value = _header_value(str(source), request)
            if value is not None:
                headers[name] = value
        templates = response.get("ResponseTemplates") or {}
        template = templates.get("application/json", next(iter(templates.values()), DEFAULT_TEMPLATE))
        variables = _context(request, kind, message)
        body = _CONTEXT_VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), ""), template)
        headers["x-amzn-RequestId"] = request.request_id
        headers["x-amzn-ErrorType"] = error_type
        return Answer(status, headers, body)


def _header_value(source: str, request: GatewayRequest) -> str | None:
    """A gateway response header's mapping: a 'quoted literal' or a copy of a request value (or absent)."""
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    if source.startswith("method.request.header."):
        return request.headers.get(source.removeprefix("method.request.header.").lower())
    if source.startswith("method.request.querystring."):
        return request.query.get(source.removeprefix("method.request.querystring."))
    return None


def _context(request: GatewayRequest, kind: str, message: str) -> dict[str, str]:
    now = time.time()
    return {
        "path": request.path,
        "requestId": request.request_id,
        "extendedRequestId": request.request_id,
        "httpMethod": request.method,
        "resourcePath": request.resource,
        "stage": request.stage,
        "domainName": request.domain,
        "identity.sourceIp": request.source_ip,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": str(int(now * 1000)),
        "error.message": message,
        "error.messageString": json.dumps(message),
        "error.responseType": kind,
    }

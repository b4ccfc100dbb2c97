"""SAM CLI's local API with API Gateway's own part in front: throttling, the Cognito authorizer, and the
gateway responses of the template.

SAM's LocalApigwService routes and builds the v1 event, but skips Cognito authorizers and answers every
unknown route with a fixed 403 of its own. Here, before SAM's handler runs (a Flask `before_request` hook,
public Flask API), each request is checked in API Gateway's order: a route the API does not have gets
MISSING_AUTHENTICATION_TOKEN; then the method's token bucket (THROTTLED); then, on a method whose
`security` names the Cognito authorizer, the ID token (UNAUTHORIZED). A request that passes reaches SAM's
handler, and the verified claims go into the event where API Gateway puts them
(`requestContext.authorizer.claims`): the one override of SAM's code, at its event-building seam.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Response, g, request
from samcli.local.apigw.local_apigw_service import LocalApigwService

from tools.devserver.gateway import GatewayRequest, GatewayResponses, Security, Throttle
from tools.devserver.identity import LocalIdentity


@dataclass
class ApiGatewayPart:
    security: Security
    throttle: Throttle
    responses: GatewayResponses
    identity: LocalIdentity | None
    stage: str


class LocalApi(LocalApigwService):
    def __init__(self, *args: Any, gateway: ApiGatewayPart, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gateway = gateway

    def create(self) -> None:
        super().create()
        app = self._app
        app.before_request(self._gate)
        # Replaces SAM's own 403 for a route (or a method of it) the API does not have.
        for status in (404, 405):
            app.register_error_handler(status, lambda _error: self._answer("MISSING_AUTHENTICATION_TOKEN"))

    def _generate_lambda_event(self, flask_request: Any, route: Any, method: str, endpoint: str) -> dict:
        event = super()._generate_lambda_event(flask_request, route, method, endpoint)
        claims = g.get("claims")
        if claims is not None:
            event["requestContext"]["authorizer"] = {"claims": claims}
        return event

    def _gate(self) -> Response | None:
        if request.url_rule is None:
            return None  # no such route: the 404/405 handler answers
        resource = self._get_current_route(request).path
        security = self.gateway.security
        if not self.gateway.throttle.allows(resource, security.method_key(resource, request.method)):
            return self._answer("THROTTLED", resource)
        if not security.needs_token(resource, request.method):
            return None
        identity = self.gateway.identity
        verdict = identity.verify(request.headers.get("Authorization")) if identity else None
        if verdict is None or verdict.claims is None:
            g.gateway_note = f"authorizer: {verdict.reason if verdict else 'no local user pool'}"
            return self._answer("UNAUTHORIZED", resource)
        g.claims = verdict.claims
        return None

    def _answer(self, kind: str, resource: str = "") -> Response:
        gateway_request = GatewayRequest(
            method=request.method,
            path=request.path,
            headers={name.lower(): value for name, value in request.headers.items()},
            query=request.args.to_dict(),
            request_id=str(uuid.uuid4()),
            stage=self.gateway.stage,
            resource=resource,
            source_ip=request.remote_addr or "",
            domain=request.host,
        )
        answer = self.gateway.responses.render(kind, gateway_request)
        g.gateway_response = kind
        return Response(answer.body, status=answer.status, headers=answer.headers)

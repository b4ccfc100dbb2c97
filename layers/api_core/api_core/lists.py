"""List endpoints: the query parameters (`list_params`) and the response (`list_response`).

    @app.get("/api/v1/things")
    async def list_things(request: Request) -> PageBody[Thing] | CursorBody[Thing]:
        return list_response(request, service.list_things(list_params(request)), Thing)

The styles, cursors and bodies themselves are `api_core.pagination`'s (pure); this module is their HTTP
side: the query parameters (read here, documented in the OpenAPI document as FastAPI would), and the
response, serialized once, with its `Link` and `X-Total-Count` headers.

The parameters are read by a plain call, not a FastAPI dependency: a dependency costs FastAPI's resolver
several times what reading and validating the query costs (docs/PERFORMANCE.md). A route that answers a
page (its return annotation names `PageBody` or `CursorBody`) gets the parameters in the OpenAPI document.
"""

from __future__ import annotations

import copy
from functools import cache, lru_cache
from typing import Annotated, Any, get_args
from urllib.parse import parse_qsl

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError

from api_core.pagination import (
    MAX_PER_PAGE,
    CursorBody,
    Listing,
    ListRequest,
    PageBody,
    link_header,
    list_request,
    listing_body,
    listing_links,
)
from api_core.resources import app_path, url_builder, url_for_path

MAX_SEARCH_LENGTH = 100
JSON = "application/json"


class ListQuery(BaseModel):
    """The list query parameters; FastAPI documents each as a query parameter of its own."""

    page: int | None = Field(None, ge=1, description="page number, from 1")
    per_page: int | None = Field(None, ge=1, le=MAX_PER_PAGE, description="items per page")
    limit: int | None = Field(None, ge=1, le=MAX_PER_PAGE, description="cursor style: page size")
    cursor: str | None = Field(None, description="cursor style: next_cursor of the previous page")
    search: str | None = Field(
        None, max_length=MAX_SEARCH_LENGTH, description="case-insensitive substring of name"
    )


def list_params(request: Request) -> ListRequest:
    """The list request in the query string: `?page&per_page&search` or `?limit&cursor&search`.

    One pydantic validation of `ListQuery`; a bad value raises the RequestValidationError FastAPI would
    (422, `query.<name>`), and mixing the styles or paging too deep the layer's 400s (`list_request`).
    """
    if not request.scope.get("query_string"):
        return list_request()  # no parameters: the defaults, with nothing to validate
    try:
        # A repeated parameter counts with its last value, as FastAPI reads a query model.
        query = ListQuery.model_validate(dict(request.query_params))
    except ValidationError as error:
        errors = error.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in errors]) from None
    return list_request(
        page=query.page, per_page=query.per_page, limit=query.limit, cursor=query.cursor, search=query.search
    )


def document_list_parameters(app: FastAPI, document: dict[str, Any]) -> None:
    """Declare the list query parameters, in `document` (the app's OpenAPI document), on every operation
    that answers a page: FastAPI cannot see them, since `list_params` reads the query string itself.
    `create_app` calls it whenever the app's document is built."""
    for route in app.routes:
        if isinstance(route, APIRoute) and _answers_a_page(route):
            for method in route.methods:
                operations = document["paths"][route.path_format]
                operations[method.lower()] = _with_list_parameters(operations[method.lower()])
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in _query_model_document()["components"]["schemas"].items():
                schemas.setdefault(name, copy.deepcopy(schema))


def _with_list_parameters(operation: dict[str, Any]) -> dict[str, Any]:
    # Where FastAPI would have put them: after the path parameters, before header and cookie ones; and
    # `parameters` itself where FastAPI places it, before the request body and the responses.
    parameters = operation.get("parameters", [])
    cut = sum(1 for parameter in parameters if parameter["in"] in ("path", "query"))
    listed = [*parameters[:cut], *copy.deepcopy(_query_model_parameters()), *parameters[cut:]]
    rebuilt = parameters_in_place({**operation, "parameters": listed})
    responses = rebuilt.setdefault("responses", {})
    responses.setdefault("422", copy.deepcopy(_query_model_operation()["responses"]["422"]))
    return rebuilt


def parameters_in_place(operation: dict[str, Any]) -> dict[str, Any]:
    """`operation` with its `parameters` where FastAPI writes them, before the request body and the
    responses: parameters added after FastAPI built the operation (the list query here, a route's
    `openapi_extra`) would otherwise come last, and the document would differ from FastAPI's own."""
    keys = list(operation)
    if "parameters" not in keys or not any(key in keys[: keys.index("parameters")] for key in _AFTER):
        return operation
    placed: dict[str, Any] = {}
    for key, value in operation.items():
        if key in _AFTER and "parameters" not in placed:
            placed["parameters"] = operation["parameters"]
        if key != "parameters":
            placed[key] = value
    return placed


_AFTER = ("requestBody", "responses")  # what FastAPI writes after an operation's `parameters`


def _answers_a_page(route: APIRoute) -> bool:
    # `PageBody[Item] | CursorBody[Item]`, or either alone: the shapes only `list_response` answers with.
    answers = get_args(route.response_model) or (route.response_model,)
    return any(isinstance(shape, type) and issubclass(shape, (PageBody, CursorBody)) for shape in answers)


@cache
def _query_model_document() -> dict[str, Any]:
    # The parameters exactly as FastAPI documents a `ListQuery` query model, from a one-route app.
    probe = FastAPI()

    @probe.get("/")
    async def probe_route(query: Annotated[ListQuery, Query()]) -> None:
        del query

    return probe.openapi()


def _query_model_operation() -> dict[str, Any]:
    return _query_model_document()["paths"]["/"]["get"]


def _query_model_parameters() -> list[dict[str, Any]]:
    return _query_model_operation()["parameters"]


def list_response[T](
    request: Request, listing: Listing[T], model: Any = Any, *, response: Response | None = None
) -> Any:  # a Response, returned where the route's annotation names the body's model
    """The listing as a JSON response, with its `Link` (RFC 8288) and `X-Total-Count` headers.

    `model` is the items' model (`Item`). The body is serialized here, once, by pydantic: FastAPI skips
    its own validation and serialization of a returned `Response`, and the route's return annotation
    (`PageBody[Item] | CursorBody[Item]`) still gives the OpenAPI document its response schema. Pass the
    route's `response` when the route or its dependencies set headers on it: they are kept (FastAPI drops
    them from a returned `Response`).
    """
    body = listing_body(listing, model)
    url, query = url_for_path(request, app_path(request)), request.scope.get("query_string") or b""
    headers = {"Link": _link_header(url, query, listing.request, listing.total, listing.next_cursor)}
    if listing.total is not None:
        headers["X-Total-Count"] = str(listing.total)
    content = body.__pydantic_serializer__.to_json(body, by_alias=True)  # as FastAPI would
    answer = Response(content, headers=headers, media_type=JSON)
    if response is not None:
        answer.raw_headers.extend(response.raw_headers)
    return answer


# A page's Link header depends on these five values alone; a list's first page is asked again and again
# with them unchanged (its total moves only with a write). Each entry is one URL and query string, which
# API Gateway bounds; a client sending new ones only evicts others.
@lru_cache(maxsize=256)
def _link_header(
    url: str, query_string: bytes, asked: ListRequest, total: int | None, next_cursor: str | None
) -> str:
    # The query parameters as Starlette reads them (`request.query_params`).
    params = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return link_header(listing_links(Listing(asked, [], total, next_cursor), url_builder(url, params)))

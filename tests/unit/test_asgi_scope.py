"""api_core.asgi_scope: the scope built from the request the entry point read is the scope Mangum builds
from the event (with the validated authority), on every sample event and on the GET a HEAD is run as."""

from __future__ import annotations

import json

import pytest
from api_core.asgi_scope import HANDLERS, run_app
from api_core.authority import HEADERS_SCOPE_KEY, read_authority
from api_core.events import read_request, with_method
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES
from mangum.types import LambdaConfig
from support.paths import EVENTS_DIR

EVENT_FILES = sorted(EVENTS_DIR.glob("*.json"))
CONFIG = LambdaConfig(
    api_gateway_base_path="/", text_mime_types=[*DEFAULT_TEXT_MIME_TYPES], exclude_headers=[]
)
CONTEXT = object()


def scopes(event, request):
    """(the scope as the entry point has Mangum build it, the scope Mangum builds from the event alone)."""
    handler_class = next(cls for cls in HANDLERS if cls.infer(event, CONTEXT, CONFIG))
    built = []

    def mangum(event, context):
        handler = handler_class(event, context, CONFIG)
        built.append(handler.scope)
        return {}

    run_app(mangum, event, CONTEXT, request, read_authority(event, request.headers))
    return built[0], handler_class(event, CONTEXT, CONFIG)._mangum_scope()


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda path: path.stem)
@pytest.mark.parametrize("as_get", [False, True], ids=["as-sent", "head-as-get"])
def test_the_scope_from_the_read_request_is_mangums(path, as_get):
    event = json.loads(path.read_text())
    request = read_request(event)
    if as_get:  # the entry point runs a HEAD as a copy of its event that says GET
        event = with_method(event, "GET")
    from_request, from_event = scopes(event, request)
    # The read request also hands the app its header map (api_core.resources reads a header from it):
    # the first value of each name there is the value the scope's headers hold.
    read = from_request.pop(HEADERS_SCOPE_KEY, None)
    assert from_request == from_event
    assert from_request["aws.event"] is event
    if read is not None:
        scope_headers = {name.decode(): value.decode() for name, value in from_event["headers"]}
        assert {name: values[0] for name, values in read.items() if name != "host"} == {
            name: value for name, value in scope_headers.items() if name != "host"
        }


def test_the_usual_events_take_the_read_request():
    # Every REST event of the repository has API Gateway's usual header maps: none of them makes Mangum
    # read the event again (the comparison above would hold trivially if all did).
    rest = [json.loads(path.read_text()) for path in EVENT_FILES]
    rest = [event for event in rest if event.get("version") != "2.0"]
    assert rest
    assert all(read_request(event).plain_headers for event in rest)


def test_a_request_read_from_another_event_is_not_used():
    # GIVEN the entry point running one event, and a Mangum handler built for another event meanwhile
    first, second = (
        json.loads((EVENTS_DIR / f"{name}.json").read_text()) for name in ("items-get-one", "items-delete")
    )
    handler_class = next(cls for cls in HANDLERS if cls.infer(second, CONTEXT, CONFIG))
    built = []

    def mangum(event, context):
        built.append(handler_class(second, context, CONFIG).scope)
        return {}

    request = read_request(first)
    run_app(mangum, first, CONTEXT, request, read_authority(first, request.headers))
    # THEN its scope is that event's own, not one built from the request being run
    assert built[0]["method"] == "DELETE"
    assert built[0] == handler_class(second, CONTEXT, CONFIG)._mangum_scope()

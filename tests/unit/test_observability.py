"""api_core.observability: the deferred logger carries each request's id on that request's lines only."""

from __future__ import annotations

import io
import json

from api_core.observability import logger


def test_the_request_id_reaches_the_log_lines_of_its_own_request_only(monkeypatch):
    # GIVEN the layer's logger, writing to a stream of ours (Powertools keeps the stream it was built with)
    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    # WHEN requests set their ids one after another, and only some of them log
    for request_id in ("first", "second", None):
        logger.set_correlation_id(request_id)
    logger.warning("third request")
    logger.set_correlation_id("fourth")
    logger.set_correlation_id("fifth")
    logger.warning("fifth request")
    logger.warning("fifth request again")
    # THEN each line carries the id of the request that wrote it
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["message"], line.get("correlation_id")) for line in lines] == [
        ("third request", None),
        ("fifth request", "fifth"),
        ("fifth request again", "fifth"),
    ]

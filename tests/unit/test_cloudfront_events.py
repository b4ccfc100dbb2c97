"""The CloudFront-sized sample events (events/*-cloudfront.json: 29 headers in both maps, as a browser's
request reaches API Gateway behind CloudFront) read as API Gateway meant them."""

from __future__ import annotations

import json

from api_core.events import read_request
from support.paths import EVENTS_DIR


def test_a_cloudfront_event_reads_every_header_once_lowercased():
    # GIVEN a browser's preflight through CloudFront: 29 headers, each once, in both maps
    event = json.loads((EVENTS_DIR / "items-options-preflight-put-cloudfront.json").read_text())
    # THEN each header is one occurrence under its lowercase name
    expected = {name.lower(): (value,) for name, value in event["headers"].items()}
    assert len(expected) == 29
    assert dict(read_request(event).headers) == expected

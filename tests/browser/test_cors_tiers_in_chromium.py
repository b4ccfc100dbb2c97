"""CORS tiers as Chromium enforces them (issue 14), against make dev in prod mode: the admin tier's origin
reads /api/v1/admin/stats with credentials, the app's origin cannot, and the other way round for the
app's routes.

Two pages on two origins of one small page server: http://127.0.0.1:P is the admin console's origin
(AdminOrigins), http://localhost:P the app's (AllowedOrigins). The API is on a third origin. Chromium
decides: a fetch either resolves in page JavaScript or rejects because the browser refused the response.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.devserver import DevServer, request, start_devserver

from tools.devserver.ports import free_port

pytestmark = pytest.mark.browser

FETCH = """async ({url, credentials}) => {
  try {
    const response = await fetch(url, {credentials});
    return {ok: true, status: response.status, body: await response.text()};
  } catch (error) {
    return {ok: false, error: String(error)};
  }
}"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Iterator[int]:
    """A page server on a free port: an empty page, served on both loopback names (two origins)."""
    root = tmp_path_factory.mktemp("pages")
    (root / "index.html").write_text("<!doctype html><title>a page on another origin</title>\n")
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module")
def prod_api(tmp_path_factory, pages) -> Iterator[tuple[DevServer, str, str]]:
    tmp: Path = tmp_path_factory.mktemp("tiers-api")
    admin, app = f"http://127.0.0.1:{pages}", f"http://localhost:{pages}"
    server = start_devserver(
        tmp,
        "--parameter-overrides",
        f"Stage=prod AllowedOrigins={app} AdminOrigins={admin} AllowAnonymousWrites=true",
    )
    yield server, admin, app
    server.stop()


def call(browser, page_origin: str, url: str, credentials: str = "include") -> dict:
    page = browser.new_page()
    try:
        page.goto(f"{page_origin}/index.html")
        assert page.evaluate("location.origin") == page_origin
        return page.evaluate(FETCH, {"url": url, "credentials": credentials})
    finally:
        page.close()


def test_the_admin_origin_reads_the_stats_with_credentials(browser, prod_api):
    server, admin, _ = prod_api
    # GIVEN the seeded items, counted by the items function itself
    listing = request(f"{server.url}/api/v1/items?page=1&per_page=1")
    assert listing.status == 200, listing.body
    # WHEN a page on the admin console's origin reads the stats, credentials included
    got = call(browser, admin, f"{server.url}/api/v1/admin/stats")
    # THEN Chromium hands it the response: the counters, as the items list counts them
    assert got["ok"], got
    assert got["status"] == 200
    stats = json.loads(got["body"])
    assert stats["collections"]["items"] == int(listing.headers["x-total-count"])


def test_the_app_origin_cannot_read_the_stats(browser, prod_api):
    server, _, app = prod_api
    # the response exists (curl sees it), but the admin tier gives the app's origin no CORS headers
    direct = request(f"{server.url}/api/v1/admin/stats", headers={"Origin": app})
    assert direct.status == 200
    assert "access-control-allow-origin" not in direct.headers
    got = call(browser, app, f"{server.url}/api/v1/admin/stats")
    assert not got["ok"]
    assert "Failed to fetch" in got["error"]


def test_and_the_other_way_round_for_the_apps_routes(browser, prod_api):
    server, admin, app = prod_api
    url = f"{server.url}/api/v1/items?page=1&per_page=2"
    assert call(browser, app, url)["ok"]  # the app's own origin reads its routes
    refused = call(browser, admin, url)
    assert not refused["ok"]  # the admin console's origin is not the app tier's
    assert "Failed to fetch" in refused["error"]

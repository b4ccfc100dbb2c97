"""The demo page, used as a person would in Chromium: list, create, edit, delete; asserted in the DOM."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from support.devserver import start_devserver
from support.paths import ROOT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    server = start_devserver(tmp_path_factory.mktemp("demo-dev"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page_on_dev(browser, dev_server):
    page = browser.new_page()
    page.goto(dev_server.demo_url)
    yield page
    page.close()


def log_text(page) -> str:
    return page.locator("#log").inner_text()


def test_lists_with_page_numbers_and_reads_paging_headers(page_on_dev):
    page = page_on_dev
    rows = page.locator("#items tr")
    expect(rows).to_have_count(10)  # per_page 10 over the seeded items
    expect(page.locator("#page-info")).to_contain_text("page 1 of")
    expect(page.locator("#total-count")).not_to_have_text("?")
    assert int(page.locator("#total-count").inner_text()) >= 45
    expect(page.locator("#link-header")).to_contain_text('rel="next"')
    page.click("#page-next")
    expect(page.locator("#page-info")).to_contain_text("page 2 of")


def test_without_a_user_pool_the_page_offers_no_sign_in(page_on_dev):
    page = page_on_dev
    expect(page.locator("#who")).to_contain_text("No sign-in: this API runs with Auth=none")
    expect(page.locator("#sign-in-form")).to_be_hidden()
    expect(page.locator("#account")).to_be_hidden()


def test_lists_with_a_cursor(page_on_dev):
    page = page_on_dev
    page.click("#cursor-first")
    expect(page.locator("#cursor-info")).to_have_text("more after this page")
    first_ids = page.locator("#items tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
    page.click("#cursor-next")
    expect(page.locator("#items tr").first).not_to_have_attribute("data-id", first_ids[0])
    second_ids = page.locator("#items tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert not set(first_ids) & set(second_ids)


def test_create_edit_with_if_match_and_delete(page_on_dev):
    page = page_on_dev
    # create
    page.fill("#create-name", "Browser-made lamp")
    page.fill("#create-description", "made in Chromium")
    page.click("#create-submit")
    expect(page.locator("#log")).to_contain_text("POST /api/v1/items -> 201")
    assert "location: http://127.0.0.1:" in log_text(page).lower()
    page.fill("#search", "Browser-made")
    page.click("#page-load")
    row = page.locator("#items tr", has_text="made in Chromium")
    expect(row).to_have_count(1)
    # edit: the page sends If-Match with the ETag it read (an exposed header)
    row.locator(".edit-name").fill("Browser-renamed lamp")
    row.locator(".save").click()
    expect(page.locator("#log")).to_contain_text(re.compile(r"PUT /api/v1/items/\S+ -> 200"))
    page.fill("#search", "Browser-renamed")
    page.click("#page-load")
    expect(page.locator("#items tr")).to_have_count(1)
    # delete
    page.locator("#items tr .delete").click()
    expect(page.locator("#log")).to_contain_text(re.compile(r"DELETE /api/v1/items/\S+ -> 204"))
    expect(page.locator("#items tr")).to_have_count(0)


def test_prod_api_with_an_unlisted_origin_is_blocked_by_the_browser(browser, tmp_path):
    server = start_devserver(
        tmp_path,
        "--parameter-overrides",
        "Stage=prod AllowedOrigins=https://app.example.com AdminOrigins=https://admin.example.com "
        "AllowAnonymousWrites=true",
    )
    try:
        page = browser.new_page()
        page.goto(server.demo_url)
        expect(page.locator("#status")).to_have_attribute("data-last-status", "blocked")
        assert "GET /api/v1/items?page=1&per_page=10 -> blocked" in log_text(page)
        expect(page.locator("#items tr")).to_have_count(0)
    finally:
        server.stop()


def test_the_api_docs_render_every_operation_from_local_files_and_try_it_out_reaches_make_dev(
    browser, dev_server
):
    # GIVEN Swagger UI at /docs on the demo origin, every request the page makes recorded
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    operations = sum(len(item) for item in document["paths"].values())
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"http://localhost:{dev_server.demo_port}/docs")
    # THEN every operation of the OpenAPI 3.1 document is shown (Swagger UI 5 reads 3.1)
    expect(page.locator(".opblock")).to_have_count(operations)
    expect(page.locator(".servers select")).to_contain_text(dev_server.url)
    # WHEN GET /api/v1/health is tried out against this make dev
    health = page.locator(".opblock-get").filter(has_text="/api/v1/health")
    health.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    # THEN the live response is shown, and nothing was fetched from anywhere but make dev's two origins
    expect(page.locator(".live-responses-table tr.response .response-col_status")).to_have_text("200")
    hosts = {re.match(r"https?://([^/]+)/", url).group(1) for url in requested}
    assert hosts <= {f"localhost:{dev_server.demo_port}", dev_server.url.removeprefix("http://")}, hosts
    page.close()

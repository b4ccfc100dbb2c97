"""The demo page, used as a person would in Chromium: list, create, edit, delete; asserted in the DOM."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from support.devserver import start_devserver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_on_dev(browser, tmp_path_factory):
    server = start_devserver(tmp_path_factory.mktemp("demo-dev"))
    page = browser.new_page()
    page.goto(server.demo_url)
    yield page
    page.close()
    server.stop()


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

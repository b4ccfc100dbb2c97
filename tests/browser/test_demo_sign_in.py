"""The demo page signed in (make dev with Auth=cognito), used as a person would in Chromium: sign in
through Cognito's InitiateAuth, create a profile and an order, see it; another user's order is 404; an
admin-only write is 403; after sign-out a write is 401. Asserted on what the page shows and on the
statuses its script read: a "blocked" would mean the browser hid the answer (no CORS headers on it)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from support.devserver import start_devserver

from tools.devserver import demo_users

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    server = start_devserver(tmp_path_factory.mktemp("demo-sign-in"), "--parameter-overrides", "Auth=cognito")
    yield server
    server.stop()


def open_page(browser, url):
    page = browser.new_page()
    page.goto(url)
    expect(page.locator("#who")).to_have_text("Not signed in")
    expect(page.locator("#order-item option").first).to_be_attached()  # the items an order can name
    return page


def sign_in(page, email: str, password: str = demo_users.PASSWORD) -> None:
    page.fill("#sign-in-email", email)
    page.fill("#sign-in-password", password)
    page.click("#sign-in")


def sign_out(page) -> None:
    page.click("#sign-out")
    expect(page.locator("#who")).to_have_text("Not signed in")
    expect(page.locator("#sign-in-form")).to_be_visible()


def expect_answer(page, status: str, words: str) -> None:
    """The last API answer as the page script read it (its status) and as the page says it."""
    expect(page.locator("#answer")).to_have_attribute("data-status", status)
    expect(page.locator("#answer")).to_have_text(words)


def log(page) -> str:
    return page.locator("#log").inner_text()


def create_profile_and_order(page, item_index: int) -> tuple[str, str, str]:
    """Through the page's buttons, as the signed-in user; returns (sub, order id, item name)."""
    sub = page.locator("#my-sub").inner_text()
    assert sub
    expect(page.locator("#user-id")).to_have_value(sub)
    page.click("#profile-create")
    expect_answer(page, "201", "Created (201)")
    expect(page.locator("#profile")).to_contain_text(f"id {sub}")
    page.locator("#order-item").select_option(index=item_index)
    item = page.locator("#order-item option:checked").inner_text()
    page.fill("#order-quantity", "2")
    page.click("#order-create")
    row = page.locator("#orders tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(item)
    assert f"POST /api/v1/users/{sub}/orders -> 201" in log(page)
    return sub, row.get_attribute("data-id"), item


def test_alice_orders_cannot_read_bobs_order_and_is_refused_once_signed_out(browser, dev):
    page = open_page(browser, dev.demo_url)
    # GIVEN bob, signed in on the page, with a profile and an order
    sign_in(page, "bob@example.com")
    expect(page.locator("#who")).to_have_text("Signed in as bob@example.com · groups: none")
    bob, bobs_order, _ = create_profile_and_order(page, item_index=0)
    sign_out(page)
    expect(page.locator("#orders tr")).to_have_count(0)  # his data left with him
    expect(page.locator("#user-id")).to_have_value("")

    # WHEN alice signs in, creates her profile and an order
    sign_in(page, "alice@example.com")
    expect(page.locator("#who")).to_have_text("Signed in as alice@example.com · groups: none")
    alice, her_order, item = create_profile_and_order(page, item_index=1)
    assert alice != bob

    # THEN the API lists it as hers, and reads it back
    page.click("#orders-load")
    expect_answer(page, "200", "OK (200)")
    expect(page.locator("#orders tr")).to_have_count(1)
    expect(page.locator(f'#orders tr[data-id="{her_order}"]')).to_contain_text(item)
    page.fill("#order-id", her_order)
    page.click("#order-read")
    expect(page.locator("#order")).to_have_text(
        f"order {her_order}: {item}, quantity 2, pending, user {alice}"
    )

    # and bob's order is not found for her (404, read by the page's script)
    page.fill("#user-id", bob)
    page.fill("#order-id", bobs_order)
    page.click("#order-read")
    expect_answer(page, "404", "Not found (404): it does not exist, or it is not yours")
    expect(page.locator("#order")).to_have_text("")
    assert f"GET /api/v1/users/{bob}/orders/{bobs_order} -> 404" in log(page)

    # and an admin-only write is refused in words (403)
    page.fill("#create-name", "Alice's lamp")
    page.click("#create-submit")
    expect_answer(
        page, "403", "Signed in, but not allowed: this request needs membership of the group 'admin' (403)"
    )

    # WHEN she signs out, a write is refused by the authorizer, and the page can still read why (401)
    sign_out(page)
    page.click("#profile-create")
    expect_answer(page, "401", "You are not signed in (401)")
    assert "POST /api/v1/users -> 401\n    content-type: application/problem+json" in log(page)

    # and bob's order does exist: an admin reads it through the same fields
    sign_in(page, "admin@example.com")
    expect(page.locator("#who")).to_have_text("Signed in as admin@example.com · groups: admin")
    page.fill("#user-id", bob)
    page.fill("#order-id", bobs_order)
    page.click("#order-read")
    expect_answer(page, "200", "OK (200)")
    expect(page.locator("#order")).to_contain_text(f"order {bobs_order}: ")
    expect(page.locator("#order")).to_contain_text(f"user {bob}")
    page.close()


def test_a_wrong_password_is_said_in_words_and_signs_nobody_in(browser, dev):
    page = open_page(browser, dev.demo_url)
    sign_in(page, "alice@example.com", "not-her-password")
    expect(page.locator("#sign-in-error")).to_have_text("Sign-in failed: Incorrect username or password.")
    expect(page.locator("#who")).to_have_text("Not signed in")
    page.close()


def test_the_query_names_the_pool_and_client_to_sign_in_with(browser, dev):
    # GIVEN the page pointed at a user pool by its query (as at a deployed pool), with another app client
    endpoint = f"http://localhost:{dev.demo_port}/cognito"
    page = open_page(browser, f"{dev.demo_url}&cognito={endpoint}&client=some-other-client")
    expect(page.locator("#cognito-endpoint")).to_have_text(endpoint)
    # WHEN signing in THEN that client id is what the page sent (make dev's pool knows only its own)
    sign_in(page, "alice@example.com")
    expect(page.locator("#sign-in-error")).to_have_text(
        "Sign-in failed: ClientId is not this make dev's app client"
    )
    expect(page.locator("#who")).to_have_text("Not signed in")
    page.close()

"""Swagger UI and Redoc work in Chromium under the portal's Content-Security-Policy (the page fixture fails a test
on any violation)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_swagger_ui_lists_the_operations_and_opens_one(page):
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="VPN registration portal API")).to_be_visible()
    page.locator(".opblock-summary").filter(has_text="/api/v1/whitelist/check/").first.click()
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()


def test_redoc_shows_the_api_searches_it_and_fetches_nothing_from_redocly(page, csp_violations):
    page.set_viewport_size({"width": 1280, "height": 900})  # the side menu, with the search box, is hidden on phones
    # The side menu's footer shows Redocly's logo from their CDN: the policy keeps the browser from fetching it.
    csp_violations.expected_blocks.append(REDOCLY_LOGO)
    with page.expect_console_message(
        lambda message: "Content Security Policy" in message.text and REDOCLY_LOGO in message.text
    ):
        page.goto("/api/redoc/")
    expect(page.get_by_role("heading", name="VPN registration portal API")).to_be_visible()
    page.get_by_placeholder("Search...").fill("whitelist")
    # Redoc indexes the schema in a worker before it answers: seconds on a loaded machine.
    expect(page.get_by_role("search").get_by_role("menuitem").first).to_be_visible(timeout=20_000)

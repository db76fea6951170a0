"""README's screenshots, taken by the suite so they show the portal as it is: the registration form with an error, in
English and in Urdu, and the staff review queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.test_accessibility import signed_in
from tests.factories import make_freelancer, make_registration, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parents[2] / "docs/screenshots"


def test_the_readme_screenshots_are_taken_from_the_running_portal(browser, live_server):
    freelancer = make_freelancer(email="ayesha@example.pk")
    for language in ("en", "ur"):
        context, page = signed_in(browser, live_server, freelancer, language)
        page.goto(reverse("vpn_records:new"))
        page.locator("#id_purpose").select_option("freelancing")
        page.locator("#id_purpose_detail").fill("Remote work for clients in Europe.")
        page.locator("#id_isp").select_option("ptcl")
        page.locator("#id_vpn_type").select_option("wireguard")
        page.locator("#id_networks").fill("111.68.96.10\n111.68.96.300")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator(".error-summary").is_visible()
        page.screenshot(path=DOCS / f"registration-error-{language}.png", full_page=True)
        context.close()

    for network in ("111.68.96.10", "39.40.7.0/24", "2400:cb00:2049::/48"):
        make_registration(user=freelancer, networks=[network], submit=True)
    reviewer = make_staff(email="reviewer@pta.example", role="reviewer")
    context, page = signed_in(browser, live_server, reviewer, "en")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(reverse("admin:vpn_records_registration_changelist"))
    assert page.locator("#result_list").is_visible()
    page.screenshot(path=DOCS / "staff-review-queue.png")
    context.close()
    for name in ("registration-error-en", "registration-error-ur", "staff-review-queue"):
        assert (DOCS / f"{name}.png").read_bytes().startswith(b"\x89PNG")

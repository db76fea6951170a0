import re

import pytest
from playwright.sync_api import expect

from applicants.demo import DEMO_PASSWORD, seed_demo_data
from vpn_records.models import Registration, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str) -> None:
    page.goto("/account/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_demo_freelancer_registers_two_ips_and_sees_the_reference_on_the_dashboard(page):
    seed_demo_data()
    sign_in(page, "freelancer@demo.pk")
    expect(page.get_by_role("heading", name="My registrations")).to_be_visible()

    page.get_by_role("link", name="Register IP addresses").click()
    page.get_by_label("Purpose", exact=True).select_option("freelancing")
    page.get_by_label("Describe the purpose").fill("Remote work for clients in Europe.")
    page.get_by_label("Internet service provider").select_option("ptcl")
    page.get_by_label("VPN type").select_option("wireguard")
    page.get_by_label("IP addresses or networks").fill("111.68.96.10\n2400:cb00:2049::/48")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("2400:cb00:2049::/48")).to_be_visible()
    page.get_by_role("button", name="Submit registration").click()

    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"VPN-\d{4}-\d{6}", reference)
    page.get_by_role("link", name="My registrations").first.click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_be_visible()
    expect(row).to_contain_text("2")
    expect(row).to_contain_text("Under review")

    registration = Registration.objects.get(reference=reference)
    assert registration.status == Status.UNDER_REVIEW
    assert sorted(e.network_display for e in registration.entries.all()) == ["111.68.96.10", "2400:cb00:2049::/48"]


def test_line_errors_are_shown_next_to_the_field_on_a_phone(page):
    seed_demo_data()
    sign_in(page, "freelancer@demo.pk")
    page.goto("/registrations/new/")
    page.get_by_label("Purpose", exact=True).select_option("research")
    page.get_by_label("Describe the purpose").fill("Thesis data collection.")
    page.get_by_label("Internet service provider").select_option("nayatel")
    page.get_by_label("VPN type").select_option("openvpn")
    page.get_by_label("IP addresses or networks").fill("111.68.96.10\n111.68.96.300")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Line 2: “111.68.96.300” is not a valid IPv4 or IPv6 address")
    page.screenshot(path="test-results/line-errors.png", full_page=True)
    assert not Registration.objects.exists()

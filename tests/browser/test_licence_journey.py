"""A licence from start to register: a company applies in the browser with its documents and submits, a reviewer
recommends it in the admin, a supervisor (another person) grants it, and the public register shows the provider in
English and in Urdu."""

import pytest
from playwright.sync_api import expect

from applicants.demo import DEMO_PASSWORD, seed_demo_data
from licensing.models import LicenceApplication, LicenceStatus
from tests.evidence.conftest import pdf_bytes, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str, *, admin: bool = False) -> None:
    page.context.clear_cookies()  # whoever was signed in before
    page.goto("/admin/" if admin else "/account/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in" if admin else "Sign in").click()


def upload(page, kind: str, name: str, mime_type: str, content: bytes) -> None:
    page.get_by_label("Which document").select_option(kind)
    page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(
        files=[{"name": name, "mimeType": mime_type, "buffer": content}]
    )
    page.get_by_role("button", name="Upload document").click()


def admin_action(page, trade_name: str, action: str) -> None:
    """Tick the application's row in the admin's list, run `action`, and confirm on its page."""
    page.goto("/admin/licensing/licenceapplication/")
    page.get_by_role("row").filter(has_text=trade_name).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(action)
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name="Confirm").click()


def test_a_company_applies_in_the_browser_and_its_granted_licence_is_on_the_register(page):
    seed_demo_data()
    sign_in(page, "company@demo.pk")

    page.goto("/licences/")
    page.get_by_role("link", name="Apply for a licence").click()
    page.get_by_label("Trade name").fill("IndusVPN")
    page.get_by_label("Named provinces and territories").check()
    page.get_by_label("Punjab").check()
    page.get_by_label("Sindh").check()
    page.get_by_label("Commercial clients only").check()
    page.get_by_label("Data centres in Pakistan").fill("Karachi (Korangi)\nLahore")
    page.get_by_label("Gateway networks").fill("111.68.96.0/28")
    page.get_by_label("Technical contact's name").fill("Hina Qureshi")
    page.get_by_label("Technical contact's email address").fill("noc@indusvpn.pk")
    page.get_by_label("Technical contact's mobile number").fill("0333 7654321")
    page.get_by_label("Fee challan number").fill("CH-2026-00042")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("Fee: Rs 200,000")).to_be_visible()
    page.get_by_role("button", name="Submit the application").click()  # too early: the documents are missing
    expect(page.locator(".error-summary")).to_contain_text("Upload these documents before submitting")
    upload(page, "technical_proposal", "proposal.pdf", "application/pdf", pdf_bytes())
    expect(page.get_by_text("Technical proposal uploaded.")).to_be_visible()
    upload(page, "undertaking", "undertaking.pdf", "application/pdf", pdf_bytes())
    expect(page.get_by_text("Undertaking uploaded.")).to_be_visible()
    upload(page, "incorporation", "incorporation.png", "image/png", png_bytes())
    expect(page.get_by_role("link", name="incorporation.png")).to_be_visible()
    page.get_by_role("button", name="Submit the application").click()
    expect(page.get_by_text("Your application is submitted.")).to_be_visible()
    application = LicenceApplication.objects.get(trade_name="IndusVPN")
    assert application.status == LicenceStatus.SUBMITTED
    assert application.documents.count() == 3

    sign_in(page, "reviewer@demo.pk", admin=True)
    admin_action(page, "IndusVPN", "licence_recommend_grant")
    expect(page.get_by_text("Recommended for grant.")).to_be_visible()

    sign_in(page, "supervisor@demo.pk", admin=True)
    admin_action(page, "IndusVPN", "licence_grant")
    expect(page.get_by_text("Licence granted.")).to_be_visible()
    application.refresh_from_db()
    assert application.status == LicenceStatus.APPROVED
    number = application.licence_number
    assert number.startswith("PTA-VPN-CL-")

    page.goto("/licensed-providers/")
    row = page.get_by_role("row").filter(has_text="IndusVPN")
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Punjab, Sindh")
    page.get_by_role("button", name="اردو").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ur"
    row = page.get_by_role("row").filter(has_text="IndusVPN")
    expect(row).to_contain_text(number)
    expect(row.get_by_text(number)).to_be_visible()

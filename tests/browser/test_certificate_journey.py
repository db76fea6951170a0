"""A certificate anyone can check: the applicant downloads it, a stranger (a fresh browser, signed in nowhere) opens
the address its QR code holds and sees it valid, then revoked once a supervisor revokes the approval."""

import io

import pytest
import zxingcpp
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from applicants.demo import DEMO_PASSWORD, seed_demo_data
from applicants.models import User
from tests.factories import make_registration
from vpn_records import services
from vpn_records.models import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str, *, admin: bool = False) -> None:
    page.goto("/admin/" if admin else "/account/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in" if admin else "Sign in").click()


def qr_address(pdf: bytes) -> str:
    pictures = [picture for pdf_page in PdfReader(io.BytesIO(pdf)).pages for picture in pdf_page.images]
    [code] = [barcode.text for p in pictures for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(p.data)))]
    return code


def test_the_applicant_downloads_the_certificate_and_a_stranger_sees_it_valid_then_revoked(page, browser, live_server):
    seed_demo_data()
    applicant = User.objects.get(email="freelancer@demo.pk")
    registration = make_registration(user=applicant, networks=["111.68.96.0/28"], submit=True)
    services.registration_verify(registration_id=registration.pk)
    services.registration_decide(
        registration=registration, actor=User.objects.get(email="reviewer@demo.pk"), approve=True
    )

    sign_in(page, "freelancer@demo.pk")
    page.goto(registration.get_absolute_url())
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the certificate in English (PDF)").click()
    pdf = open(downloading.value.path(), "rb").read()  # noqa: SIM115 - the download's temporary file
    text = "".join(pdf_page.extract_text() for pdf_page in PdfReader(io.BytesIO(pdf)).pages)
    assert registration.reference in text and "111.68.96.0/28" in text
    address = qr_address(pdf)
    assert address.startswith(settings.SITE_URL + "/")
    path = address.removeprefix(settings.SITE_URL)

    stranger = browser.new_context(base_url=live_server.url, locale="en-GB")
    check = stranger.new_page()
    check.goto(path)
    expect(check.get_by_text("This certificate is valid.")).to_be_visible()
    expect(check.get_by_text(registration.reference)).to_be_visible()

    sign_in(page, "supervisor@demo.pk", admin=True)
    page.goto(f"/admin/vpn_records/ipentry/?registration__id__exact={registration.pk}")
    page.get_by_role("row").filter(has_text="111.68.96.0/28").get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("revoke")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Reason").select_option("other")
    page.get_by_label("Details for the applicant").fill("The ISP reassigned this block.")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("1 decided.")).to_be_visible()
    registration.refresh_from_db()
    assert registration.status == Status.REVOKED

    check.reload()
    expect(
        check.get_by_text("This certificate has been revoked: the registration is no longer approved.")
    ).to_be_visible()
    assert "Valid until" not in check.content()
    stranger.close()

"""A freelancer registers a mobile number on a phone, proves it with the SMS code, uploads the documents and
submits; a reviewer approves it in the admin; the number's operator then finds it in its feed."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from applicants.models import User
from tests.evidence.conftest import pdf_bytes, png_bytes
from tests.factories import PASSWORD, make_freelancer, make_operator, make_staff, token_for
from vpn_records.models import Registration, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(page, kind: str, name: str, mime_type: str, content: bytes) -> None:
    page.get_by_label("Which document").select_option(kind)
    page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(
        files=[{"name": name, "mimeType": mime_type, "buffer": content}]
    )
    page.get_by_role("button", name="Upload document").click()
    expect(page.get_by_role("status")).to_contain_text("uploaded.")


def test_a_freelancer_proves_a_mobile_number_submits_and_its_operator_lists_it_once_approved(
    page, live_server, settings, sms_gateway, redis_cache
):
    # redis_cache: code limits counted afresh, not against the other tests' codes to the same number and address
    settings.DOCUMENTS_REQUIRED = True
    make_freelancer(email="ayesha@example.pk")
    make_staff(email="reviewer@pta.example", role="reviewer")
    jazz = make_operator(email="noc@jazz.example", organisation="Jazz")
    User.objects.filter(pk=jazz.pk).update(mobile_operator="jazz")
    jazz_token = token_for(User.objects.get(pk=jazz.pk))

    page.goto("/account/login/")
    page.get_by_label("Email address").fill("ayesha@example.pk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/registrations/new/")
    page.get_by_label("Purpose", exact=True).select_option("freelancing")
    page.get_by_label("Describe the purpose").fill("Client work over my phone's data connection.")
    page.get_by_label("Internet service provider").select_option("other")
    page.get_by_label("ISP name, if “Other”").fill("Jazz 4G")
    page.get_by_label("VPN type").select_option("wireguard")
    page.get_by_label("Mobile numbers whose data connection carries your VPN").fill("0300 1234567")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    page.get_by_role("button", name="Submit registration").click()  # too early: the number is not proved
    expect(page.locator(".error-summary")).to_contain_text("Prove you hold each mobile number")

    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_role("status")).to_contain_text("We sent a code to")
    code = re.search(r"\b(\d{6})\b", sms_gateway.accepted[-1]["text"]).group(1)
    assert sms_gateway.accepted[-1]["to"] == "+923001234567"
    assert code not in page.content()
    page.get_by_label("Enter the 6-digit code we sent to").fill(code)
    page.get_by_role("button", name="Confirm code").click()
    expect(page.locator("#numbers")).to_contain_text("Proved")

    upload(page, "cnic_front", "cnic-front.png", "image/png", png_bytes())
    upload(page, "cnic_back", "cnic-back.png", "image/png", png_bytes())
    upload(page, "work_proof", "client-letter.pdf", "application/pdf", pdf_bytes())
    page.screenshot(path="test-results/mobile-number-proved.png", full_page=True)
    page.get_by_role("button", name="Submit registration").click()
    reference = page.locator(".reference").inner_text()
    registration = Registration.objects.get(reference=reference)
    assert registration.status == Status.UNDER_REVIEW  # verified on submission, as every registration is

    page.get_by_role("button", name="Sign out").click()
    page.goto("/admin/")
    page.get_by_label("Email address").fill("reviewer@pta.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/vpn_records/registration/")
    page.locator("#searchbar").fill(reference)
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=reference).click()
    for name in ("cnic-front.png", "cnic-back.png", "client-letter.pdf"):
        expect(page.get_by_text(name)).to_be_visible()
    page.get_by_role("link", name="Approve or reject these entries").click()
    page.get_by_role("row").filter(has_text=reference).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("approve")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 decided.")).to_be_visible()
    registration.refresh_from_db()
    assert registration.status == Status.APPROVED

    feed = page.request.get(
        f"{live_server.url}/api/v1/mobile-whitelist/export.csv", headers={"Authorization": f"Token {jazz_token}"}
    )
    assert feed.status == 200
    rows = list(csv.reader(io.StringIO(feed.text())))
    assert rows[0] == ["msisdn", "reference", "valid_until"]
    assert [[row[0], row[1]] for row in rows[1:]] == [["+923001234567", reference]]

"""Applying in the browser: the form makes a draft through the same service as the API, errors land on their
fields, documents are uploaded and the application submitted on its page, and only the company sees it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from licensing.models import LicenceApplication, LicenceStatus
from tests.evidence.conftest import pdf_bytes, png_bytes, upload

from .conftest import another_company

pytestmark = pytest.mark.django_db

FORM = {
    "trade_name": "IndusVPN",
    "scope": "provinces",
    "provinces": ["punjab", "sindh"],
    "clientele": "commercial",
    "data_centres": "Karachi (Tier III, Korangi)\r\n\r\nLahore\r\n",
    "gateways": "111.68.96.0/28\r\n39.40.2.0/28",
    "contact_name": "Hina Qureshi",
    "contact_email": "noc@indusvpn.pk",
    "contact_mobile": "0333 7654321",
    "fee_reference": "CH-2026-00042",
}


def text(response) -> str:
    """The page as a person reads it: tags and bidi isolation left out, spaces collapsed."""
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.replace("\u2068", "").replace("\u2069", "")).strip()


def field_errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(field, [])]


@pytest.fixture
def company(client, company_user):
    client.force_login(company_user)
    return client


def apply(client, **changes):
    return client.post(reverse("licensing:new"), {**FORM, **changes})


def test_the_form_creates_a_draft_with_the_fee_for_its_provinces(company, company_user):
    response = apply(company)

    application = LicenceApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("licensing:application", args=[application.pk])
    assert application.applicant == company_user.applicant
    assert application.status == LicenceStatus.DRAFT
    assert application.provinces == ["punjab", "sindh"]
    assert application.fee == 200_000
    assert application.data_centres == ["Karachi (Tier III, Korangi)", "Lahore"]
    assert application.gateways == ["111.68.96.0/28", "39.40.2.0/28"]
    assert application.technical_contact_mobile == "+923337654321"
    page = text(company.get(response["Location"]))
    assert "Fee: Rs 200,000" in page
    assert "Draft" in page
    assert "Technical proposal Missing" in page


def test_a_nationwide_application_costs_the_nationwide_fee(company):
    apply(company, scope="nationwide", provinces=[])
    assert LicenceApplication.objects.get().fee == 300_000


def test_a_private_gateway_is_refused_on_its_line(company):
    response = apply(company, gateways="111.68.96.0/28\r\n\r\n10.1.2.0/28")

    assert response.status_code == 200
    [error] = field_errors(response, "gateways")
    assert error.startswith("Line 3: ")
    assert "private" in error.lower()
    assert 'class="error-summary"' in response.content.decode()
    assert not LicenceApplication.objects.exists()


def test_a_gateway_that_is_not_a_network_is_refused_by_line(company):
    response = apply(company, gateways="111.68.96.0/28\r\nnot-an-address")
    [error] = field_errors(response, "gateways")
    assert error.startswith("Line 2: ")


def test_a_landline_is_not_the_technical_contacts_mobile(company):
    response = apply(company, contact_mobile="051 2345678")
    assert field_errors(response, "contact_mobile")
    assert not LicenceApplication.objects.exists()


def test_a_scope_must_be_chosen(company):
    response = apply(company, scope="")
    assert field_errors(response, "scope") == ["Choose nationwide or named provinces."]
    assert 'href="#id_scope_0"' in response.content.decode()  # the summary links to the first radio


def test_named_provinces_need_at_least_one_province(company):
    response = apply(company, provinces=[])
    assert field_errors(response, "provinces") == ["Name at least one province or territory, or apply nationwide."]


def test_a_second_open_application_is_refused_with_a_message(company):
    apply(company)
    response = apply(company, trade_name="Second VPN")
    assert "already has a licence application or licence open" in " ".join(response.context["form"].non_field_errors())
    assert LicenceApplication.objects.count() == 1


def test_a_freelancer_is_refused_the_form(client, freelancer):
    client.force_login(freelancer)

    page = client.get(reverse("licensing:new"))
    assert page.status_code == 403
    assert "Only a company account can apply" in page.content.decode()
    assert apply(client).status_code == 403
    assert not LicenceApplication.objects.exists()


def upload_document(client, application_id: int, kind: str, content: bytes, name: str):
    return client.post(
        reverse("licensing:upload", args=[application_id]), {"kind": kind, "file": upload(name, content)}
    )


def test_the_company_uploads_its_documents_and_submits(company):
    apply(company)
    application = LicenceApplication.objects.get()
    page = reverse("licensing:application", args=[application.pk])

    refused = company.post(reverse("licensing:submit", args=[application.pk]))
    assert "Upload these documents before submitting" in text(refused)
    assert 'href="#documents"' in refused.content.decode()
    application.refresh_from_db()
    assert application.status == LicenceStatus.DRAFT

    for kind, content, name in [
        ("technical_proposal", pdf_bytes(), "proposal.pdf"),
        ("undertaking", pdf_bytes(), "undertaking.pdf"),
        ("incorporation", png_bytes(), "incorporation.png"),
    ]:
        assert upload_document(company, application.pk, kind, content, name)["Location"] == page
    shown = company.get(page)
    for document in application.documents.all():
        assert reverse("licensing:document", args=[application.pk, document.pk]) in shown.content.decode()
    assert "Missing" not in text(shown)

    submitted = company.post(reverse("licensing:submit", args=[application.pk]), follow=True)
    application.refresh_from_db()
    assert application.status == LicenceStatus.SUBMITTED
    assert "Submitted" in text(submitted)
    assert "Upload a document" not in text(submitted)  # no more changes while it is reviewed


def test_a_file_that_is_not_a_document_is_refused_on_the_file_field(company):
    apply(company)
    application = LicenceApplication.objects.get()
    response = upload_document(company, application.pk, "undertaking", b"MZ\x90\x00 not a pdf", "undertaking.pdf")
    assert response.status_code == 400
    assert field_errors(response, "file")
    assert not application.documents.exists()


def test_the_company_withdraws_with_a_reason_shown_in_the_history(company):
    apply(company)
    application = LicenceApplication.objects.get()

    company.post(reverse("licensing:withdraw", args=[application.pk]), {"reason": "We chose another partner."})

    application.refresh_from_db()
    assert application.status == LicenceStatus.WITHDRAWN
    page = text(company.get(reverse("licensing:application", args=[application.pk])))
    assert "Withdrawn: We chose another partner." in page
    assert "Withdraw the application" not in page


def test_another_company_gets_404_for_the_application_and_its_actions(company, client):
    apply(company)
    application = LicenceApplication.objects.get()
    client.force_login(another_company("admin@ravi.pk", cnic="3520198765437"))

    for name in ("licensing:application", "licensing:withdraw"):
        assert client.get(reverse(name, args=[application.pk])).status_code == 404
    assert client.post(reverse("licensing:submit", args=[application.pk])).status_code == 404
    assert upload_document(client, application.pk, "undertaking", pdf_bytes(), "u.pdf").status_code == 404
    assert not application.documents.exists()


def test_the_application_page_in_urdu_keeps_the_fee_left_to_right(company, settings):
    apply(company)
    application = LicenceApplication.objects.get()
    company.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    html = company.get(reverse("licensing:application", args=[application.pk])).content.decode()
    assert 'dir="rtl"' in html
    assert '<bdi dir="ltr">200,000</bdi>' in html

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.test import APIClient

from tests.evidence.conftest import pdf_bytes, png_bytes, upload
from tests.factories import make_staff, make_user, token_for

NATIONWIDE = {
    "trade_name": "IndusVPN",
    "scope": "nationwide",
    "clientele": "commercial",
    "data_centres": ["Karachi (Tier III, Korangi)", "Lahore"],
    "gateways": ["111.68.96.0/28"],
    "technical_contact": {"name": "Hina Qureshi", "email": "noc@indusvpn.pk", "mobile": "0333 7654321"},
    "fee_reference": "CH-2026-00042",
}
DOCUMENT_KINDS = ("technical_proposal", "undertaking", "incorporation")


@pytest.fixture(autouse=True)
def document_root(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    return settings.DOCUMENT_ROOT


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def company_api(company_user):
    return client_for(company_user)


@pytest.fixture
def reviewer_api(reviewer):
    return client_for(reviewer)


@pytest.fixture
def supervisor_api(supervisor):
    return client_for(supervisor)


@pytest.fixture
def reviewer_and_supervisor(db):
    """One account in both roles: it may recommend and grant, but never both on one application."""
    user = make_staff(email="both@pta.example", role="reviewer")
    user.groups.add(Group.objects.get(name="supervisor"))
    return type(user).objects.get(pk=user.pk)


def apply(client, **changes):
    return client.post(reverse("api:licence-application-list"), {**NATIONWIDE, **changes}, format="json")


def add_documents(client, application_id: int, kinds=DOCUMENT_KINDS):
    for kind in kinds:
        content, name = (png_bytes(), f"{kind}.png") if kind == "incorporation" else (pdf_bytes(), f"{kind}.pdf")
        response = client.post(
            reverse("api:licence-application-documents", args=[application_id]),
            {"kind": kind, "file": upload(name, content)},
            format="multipart",
        )
        assert response.status_code == 201, response.json()


def submitted_application(client, **changes) -> int:
    created = apply(client, **changes)
    assert created.status_code == 201, created.json()
    application_id = created.json()["id"]
    add_documents(client, application_id)
    response = client.post(reverse("api:licence-application-submit", args=[application_id]))
    assert response.status_code == 200, response.json()
    return application_id


def review(client, application_id: int, decision: str, **body):
    return client.post(reverse(f"api:review-licence-{decision}", args=[application_id]), body, format="json")


def granted(company_client, reviewer_client, supervisor_client, **changes) -> dict:
    application_id = submitted_application(company_client, **changes)
    assert review(reviewer_client, application_id, "recommend").status_code == 200
    response = review(supervisor_client, application_id, "grant")
    assert response.status_code == 200, response.json()
    return response.json()


def another_company(email: str, cnic: str):
    from applicants.models import Applicant

    applicant = Applicant.objects.create(
        kind=Applicant.Kind.COMPANY, legal_name="Ravi Networks (Private) Limited", ntn="7654321-0",
        secp_number="0654321", address="Lahore", authorised_person_name="Usman Ali", authorised_person_cnic=cnic,
        mobile="+923451234567", city="Lahore",
    )  # fmt: skip
    return make_user(email=email, applicant=applicant, full_name="Usman Ali")

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from evidence.models import Document
from tests.evidence.conftest import pdf_bytes, png_bytes, upload
from tests.factories import make_registration, token_for
from vpn_records import services as registration_services
from vpn_records.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def freelancer_api(api_client, freelancer):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(freelancer)}")
    return api_client


def documents_url(registration) -> str:
    return reverse("api:registration-document-list", args=[registration.reference])


def test_upload_list_and_delete_a_document(freelancer_api, freelancer, django_capture_on_commit_callbacks):
    registration = make_registration(user=freelancer)

    created = freelancer_api.post(
        documents_url(registration), {"kind": "work_proof", "file": upload("Contract 2026.pdf", pdf_bytes())}
    )

    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "kind", "content_type", "size", "file_name", "uploaded_at"}
    assert body["kind"] == "work_proof" and body["content_type"] == "application/pdf"
    assert body["file_name"] == "Contract 2026.pdf" and body["size"] == len(pdf_bytes())
    listed = freelancer_api.get(documents_url(registration)).json()
    assert [document["id"] for document in listed["results"]] == [body["id"]]

    detail = reverse("api:registration-document-detail", args=[registration.reference, body["id"]])
    stored = Path(Document.objects.get().file.path)
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        deleted = freelancer_api.delete(detail)
    assert deleted.status_code == 204
    assert not Document.objects.exists()
    assert not stored.exists()
    assert freelancer_api.get(detail).status_code == 404


def test_a_refused_file_answers_400_with_its_reason(freelancer_api, freelancer):
    registration = make_registration(user=freelancer)
    response = freelancer_api.post(
        documents_url(registration), {"kind": "cnic_front", "file": upload("a.pdf", png_bytes())}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "file" and error["code"] == "name_mismatch"
    assert "is really a PNG file" in error["message"]


def test_a_file_over_the_limit_answers_400_too_large(freelancer_api, freelancer):
    registration = make_registration(user=freelancer)
    response = freelancer_api.post(
        documents_url(registration), {"kind": "cnic_front", "file": upload("a.pdf", b"%PDF-" + b"0" * 6_000_000)}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "file" and error["code"] == "too_large"
    assert not Document.objects.exists()


def test_an_unknown_kind_answers_400(freelancer_api, freelancer):
    registration = make_registration(user=freelancer)
    response = freelancer_api.post(
        documents_url(registration), {"kind": "selfie", "file": upload("a.pdf", pdf_bytes())}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kind"


def test_another_applicants_registration_is_404(freelancer_api, other_applicant):
    theirs = make_registration(user=other_applicant)
    response = freelancer_api.post(documents_url(theirs), {"kind": "cnic_front", "file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 404
    assert freelancer_api.get(documents_url(theirs)).status_code == 404
    assert not Document.objects.exists()


def test_another_applicants_document_cannot_be_deleted(freelancer_api, freelancer, other_applicant):
    theirs = make_registration(user=other_applicant)
    api_client_other = freelancer_api.__class__()
    api_client_other.credentials(HTTP_AUTHORIZATION=f"Token {token_for(other_applicant)}")
    document_id = api_client_other.post(
        documents_url(theirs), {"kind": "cnic_front", "file": upload("a.png", png_bytes())}
    ).json()["id"]
    mine = make_registration(user=freelancer, networks=["111.68.96.20"])
    for reference in (theirs.reference, mine.reference):
        url = reverse("api:registration-document-detail", args=[reference, document_id])
        assert freelancer_api.delete(url).status_code == 404
    assert Document.objects.filter(pk=document_id).exists()


def test_documents_of_a_submitted_registration_cannot_change(freelancer_api, freelancer):
    registration = make_registration(user=freelancer)
    document_id = freelancer_api.post(
        documents_url(registration), {"kind": "cnic_front", "file": upload("a.png", png_bytes())}
    ).json()["id"]
    registration_services.registration_submit(registration=registration, user=freelancer)
    registration.refresh_from_db()
    assert registration.status != Status.DRAFT

    added = freelancer_api.post(
        documents_url(registration), {"kind": "cnic_back", "file": upload("b.png", png_bytes())}
    )
    deleted = freelancer_api.delete(
        reverse("api:registration-document-detail", args=[registration.reference, document_id])
    )

    assert added.status_code == 409 and added.json()["errors"][0]["code"] == "not_editable"
    assert deleted.status_code == 409
    assert Document.objects.count() == 1


def test_operator_tokens_are_refused(api_client, freelancer):
    from tests.factories import make_operator

    registration = make_registration(user=freelancer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(make_operator())}")
    assert api_client.get(documents_url(registration)).status_code == 403

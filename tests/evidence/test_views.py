"""The web side: the checklist on check-your-answers, uploading and removing there, and serving the files."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evidence.models import Document, DocumentView
from evidence.services import document_add
from tests.evidence.conftest import jpeg_with_gps, pdf_bytes, png_bytes, upload
from tests.factories import make_registration, token_for
from vpn_records.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(freelancer):
    return make_registration(user=freelancer)


def add(registration, user, kind="cnic_front", name="cnic.png", content=None) -> Document:
    return document_add(registration=registration, user=user, kind=kind, file=upload(name, content or png_bytes()))


def file_url(document: Document) -> str:
    return reverse("evidence:file", args=[document.registration.reference, document.pk])


def test_a_pdf_is_served_to_its_applicant_as_an_attachment(client, freelancer, draft):
    document = add(draft, freelancer, kind="work_proof", name="contract.pdf", content=pdf_bytes())
    client.force_login(freelancer)

    response = client.get(file_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{draft.reference}-work_proof.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert not DocumentView.objects.exists()  # the applicant's own look is not staff's


def test_a_picture_is_served_inline(client, freelancer, draft):
    document = add(draft, freelancer)
    client.force_login(freelancer)
    response = client.get(file_url(document))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_colleague_sees_the_companys_documents(client, company_user, company_colleague):
    registration = make_registration(user=company_user)
    document = add(registration, company_user, kind="incorporation")
    client.force_login(company_colleague)
    assert client.get(file_url(document)).status_code == 200


def test_another_applicant_gets_404_for_a_document(client, freelancer, other_applicant, draft):
    document = add(draft, freelancer)
    client.force_login(other_applicant)
    assert client.get(file_url(document)).status_code == 404
    # Nor through a registration of their own.
    theirs = make_registration(user=other_applicant, networks=["111.68.96.30"])
    assert client.get(reverse("evidence:file", args=[theirs.reference, document.pk])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, freelancer, draft):
    document = add(draft, freelancer)
    response = client.get(file_url(document))
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_staff_viewing_a_document_is_recorded(client, freelancer, reviewer, draft):
    document = add(draft, freelancer)
    client.force_login(reviewer)

    assert client.get(file_url(document)).status_code == 200

    [view] = DocumentView.objects.all()
    assert view.viewer == reviewer and view.document == document


def test_staff_without_a_role_get_404(client, freelancer, draft):
    from tests.factories import make_user

    document = add(draft, freelancer)
    client.force_login(make_user(email="intern@pta.example", applicant=None, is_staff=True))
    assert client.get(file_url(document)).status_code == 404
    assert not DocumentView.objects.exists()


def test_check_your_answers_lists_the_checklist(client, freelancer, draft):
    add(draft, freelancer, kind="cnic_front", name="front side.png")
    client.force_login(freelancer)

    page = client.get(reverse("vpn_records:review", args=[draft.reference])).content.decode()

    assert "Supporting documents" in page
    assert "CNIC, front" in page and "<bdi>front side.png</bdi>" in page
    assert "CNIC, back" in page and "Proof of work" in page
    assert page.count("<strong>Missing</strong>") == 2
    assert f'action="{reverse("evidence:upload", args=[draft.reference])}"' in page


def test_the_registrations_page_lists_its_documents_without_changes(client, freelancer, draft):
    document = add(draft, freelancer, kind="cnic_front", name="front side.png")
    client.force_login(freelancer)

    page = client.get(reverse("vpn_records:detail", args=[draft.reference])).content.decode()

    assert "Supporting documents" in page and "<bdi>front side.png</bdi>" in page
    assert reverse("evidence:file", args=[draft.reference, document.pk]) in page
    assert 'enctype="multipart/form-data"' not in page
    assert reverse("evidence:delete", args=[draft.reference, document.pk]) not in page


def test_uploading_from_check_your_answers(client, freelancer, draft):
    client.force_login(freelancer)
    url = reverse("evidence:upload", args=[draft.reference])

    response = client.post(url, {"kind": "cnic_back", "file": upload("back.jpg", jpeg_with_gps())}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("vpn_records:review", args=[draft.reference])
    assert "CNIC, back uploaded." in response.content.decode()
    assert Document.objects.get().kind == "cnic_back"


def test_a_refused_upload_is_explained_on_check_your_answers(client, freelancer, draft):
    client.force_login(freelancer)
    url = reverse("evidence:upload", args=[draft.reference])
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    response = client.post(url, {"kind": "cnic_back", "file": upload("cnic.svg", svg)}, follow=True)
    assert "is an SVG drawing, which is not accepted" in response.content.decode()
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused_while_it_arrives(client, freelancer, draft, settings):
    settings.DOCUMENT_MAX_BYTES = 100_000
    client.force_login(freelancer)
    url = reverse("evidence:upload", args=[draft.reference])
    big = upload("scan.pdf", b"%PDF-" + b"0" * 200_000)
    response = client.post(url, {"kind": "work_proof", "file": big}, follow=True)
    assert "The file is larger than the limit of 0.1 MB" in response.content.decode()
    assert not Document.objects.exists()


def test_removing_a_document(client, freelancer, draft, django_capture_on_commit_callbacks):
    document = add(draft, freelancer)
    path = document.file.path
    client.force_login(freelancer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence:delete", args=[draft.reference, document.pk]))
    assert response.status_code == 302
    assert not Document.objects.exists()
    from pathlib import Path

    assert not Path(path).exists()


def test_another_applicant_cannot_upload(client, other_applicant, draft):
    client.force_login(other_applicant)
    url = reverse("evidence:upload", args=[draft.reference])
    assert client.post(url, {"kind": "cnic_back", "file": upload("a.png", png_bytes())}).status_code == 404
    assert not Document.objects.exists()


class TestSubmittingNeedsTheRequiredDocuments:
    @pytest.fixture(autouse=True)
    def documents_required(self, settings):
        settings.DOCUMENTS_REQUIRED = True

    def test_submit_is_refused_naming_the_missing_documents(self, client, freelancer, draft):
        add(draft, freelancer, kind="cnic_front")
        client.force_login(freelancer)

        response = client.post(reverse("vpn_records:submit", args=[draft.reference]), follow=True)

        assert "Upload these documents before submitting: CNIC, back; Proof of work" in response.content.decode()
        draft.refresh_from_db()
        assert draft.status == Status.DRAFT

    def test_submit_goes_through_with_every_required_document(self, client, freelancer, draft):
        for kind in ("cnic_front", "cnic_back", "work_proof"):
            add(draft, freelancer, kind=kind)
        client.force_login(freelancer)
        client.post(reverse("vpn_records:submit", args=[draft.reference]))
        draft.refresh_from_db()
        assert draft.status != Status.DRAFT

    def test_a_call_centre_needs_its_pseb_certificate(self, company_user):
        from evidence.checklist import missing_documents

        registration = make_registration(user=company_user)
        registration.purpose = "call_centre"
        registration.save()
        assert missing_documents(registration) == ["incorporation", "authorisation_letter", "pseb_certificate"]

    def test_the_api_keeps_a_registration_needing_documents_a_draft_until_submitted(self, api_client, freelancer):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(freelancer)}")
        payload = {
            "purpose": "freelancing",
            "purpose_detail": "Client work",
            "isp": "ptcl",
            "vpn_type": "wireguard",
            "entries": [{"network": "111.68.96.7"}],
        }
        created = api_client.post(reverse("api:registration-list"), payload, format="json")
        assert created.status_code == 201 and created.json()["status"] == "draft"
        reference = created.json()["reference"]
        submit = reverse("api:registration-submit", args=[reference])

        refused = api_client.post(submit)
        assert refused.status_code == 400
        [error] = refused.json()["errors"]
        assert error["code"] == "documents_missing"
        assert error["message"] == (
            "Upload these documents before submitting: CNIC, front; CNIC, back; "
            "Proof of work (a contract or a client's letter)."
        )

        documents = reverse("api:registration-document-list", args=[reference])
        for kind in ("cnic_front", "cnic_back", "work_proof"):
            api_client.post(documents, {"kind": kind, "file": upload("a.png", png_bytes())})
        submitted = api_client.post(submit)
        assert submitted.status_code == 200 and submitted.json()["status"] != "draft"
        assert api_client.post(submit).status_code == 409


def test_the_registration_form_says_which_documents_to_have_ready(client, freelancer, settings):
    settings.DOCUMENTS_REQUIRED = True
    client.force_login(freelancer)
    page = client.get(reverse("vpn_records:new")).content.decode()
    section = page[page.index("Documents you will upload") : page.index("</section>", page.index("Documents you will"))]
    for document in ("CNIC, front", "CNIC, back", "Proof of work"):
        assert document in section
    assert "PSEB registration certificate, if the purpose is" in section  # one purpose adds it
    assert "Certificate of incorporation" not in section  # a company's, not a freelancer's

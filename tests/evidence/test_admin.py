from __future__ import annotations

import pytest
from django.urls import reverse

from evidence.services import document_add
from tests.evidence.conftest import pdf_bytes, png_bytes, upload
from tests.factories import make_registration

pytestmark = pytest.mark.django_db


def test_staff_find_a_registrations_documents_with_previews(client, freelancer, other_applicant, reviewer):
    registration = make_registration(user=freelancer)
    picture = document_add(
        registration=registration, user=freelancer, kind="cnic_front", file=upload("a.png", png_bytes())
    )
    pdf = document_add(registration=registration, user=freelancer, kind="work_proof", file=upload("c.pdf", pdf_bytes()))
    theirs = make_registration(user=other_applicant, networks=["111.68.96.50"])
    document_add(registration=theirs, user=other_applicant, kind="cnic_back", file=upload("z.png", png_bytes()))
    client.force_login(reviewer)

    page = client.get(reverse("admin:evidence_document_changelist"), {"q": registration.reference}).content.decode()

    picture_url = reverse("evidence:file", args=[registration.reference, picture.pk])
    pdf_url = reverse("evidence:file", args=[registration.reference, pdf.pk])
    assert f'<img src="{picture_url}"' in page
    assert f'<a href="{pdf_url}" target="_blank" rel="noopener">Open the PDF</a>' in page
    assert theirs.reference not in page


def test_the_registrations_admin_page_shows_its_documents(client, freelancer, reviewer):
    registration = make_registration(user=freelancer)
    picture = document_add(
        registration=registration, user=freelancer, kind="cnic_front", file=upload("a.png", png_bytes())
    )
    client.force_login(reviewer)

    page = client.get(reverse("admin:vpn_records_registration_change", args=[registration.pk])).content.decode()

    assert f'<img src="{reverse("evidence:file", args=[registration.reference, picture.pk])}"' in page
    assert "<bdi>a.png</bdi>" in page


def test_applicants_never_reach_the_documents_admin(client, freelancer):
    client.force_login(freelancer)
    response = client.get(reverse("admin:evidence_document_changelist"))
    assert response.status_code == 302


def test_a_reviewer_asks_for_a_document_and_the_applicant_uploads_it_and_submits_again(
    client, freelancer, reviewer, django_capture_on_commit_callbacks
):
    from django.utils import translation

    from vpn_records import services
    from vpn_records.models import Registration, Status

    freelancer.language = "ur"
    freelancer.save()
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
    assert Registration.objects.get(pk=registration.pk).status == Status.UNDER_REVIEW
    client.force_login(reviewer)
    changelist = reverse("admin:vpn_records_registration_changelist")
    chosen = {"action": "ask_for_document", "_selected_action": [registration.pk]}
    asked = client.post(changelist, chosen)
    assert b"Document needed" in asked.content  # which document, first
    client.post(changelist, {**chosen, "apply": "1", "kind": "cnic_back", "details": "The photo is blurred."})

    registration.refresh_from_db()
    assert registration.status == Status.CHANGES_REQUESTED
    reason = registration.status_changes.latest("id").reason
    with translation.override("ur"):
        from evidence.models import DocumentKind

        assert str(DocumentKind.CNIC_BACK.label) in reason and reason.endswith("The photo is blurred.")
    document_add(registration=registration, user=freelancer, kind="cnic_back", file=upload("b.png", png_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_submit(registration=registration, user=freelancer)
    registration.refresh_from_db()
    assert registration.status == Status.UNDER_REVIEW

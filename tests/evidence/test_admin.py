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

"""The admin: the queue with what waits first, documents a link away, and each role offered only its actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from licensing.models import LicenceApplication

from .conftest import apply, submitted_application

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:licensing_licenceapplication_changelist"


def action_names(page: str) -> set[str]:
    return {
        name for name in ("licence_recommend_grant", "licence_grant", "licence_revoke") if f'value="{name}"' in page
    }


def test_the_queue_puts_submitted_applications_first_with_their_documents(client, company_api, reviewer):
    draft_id = apply(company_api).json()["id"]
    LicenceApplication.objects.filter(pk=draft_id).update(status="withdrawn")
    waiting_id = submitted_application(company_api, trade_name="Waiting VPN")
    client.force_login(reviewer)

    page = client.get(reverse(CHANGELIST)).content.decode()
    assert page.index("Waiting VPN") < page.index("IndusVPN")

    detail = client.get(reverse("admin:licensing_licenceapplication_change", args=[waiting_id])).content.decode()
    document = LicenceApplication.objects.get(pk=waiting_id).documents.order_by("id").first()
    assert reverse("licensing:document", args=[waiting_id, document.pk]) in detail
    assert "111.68.96.0/28" in detail


def test_each_role_is_offered_only_its_actions(client, reviewer, supervisor, auditor, company_api):
    submitted_application(company_api)
    client.force_login(reviewer)
    assert action_names(client.get(reverse(CHANGELIST)).content.decode()) == {"licence_recommend_grant"}
    client.force_login(supervisor)
    assert action_names(client.get(reverse(CHANGELIST)).content.decode()) == {"licence_grant", "licence_revoke"}
    client.force_login(auditor)
    assert action_names(client.get(reverse(CHANGELIST)).content.decode()) == set()


def test_a_reviewer_recommends_and_a_supervisor_grants_in_the_admin(client, reviewer, supervisor, company_api):
    application_id = submitted_application(company_api)
    client.force_login(reviewer)
    client.post(
        reverse(CHANGELIST),
        {"action": "licence_recommend_grant", "_selected_action": [application_id], "apply": "1", "reason": ""},
    )
    client.force_login(supervisor)
    client.post(
        reverse(CHANGELIST),
        {"action": "licence_grant", "_selected_action": [application_id], "apply": "1", "conditions": "Only these."},
    )
    application = LicenceApplication.objects.get(pk=application_id)
    assert application.status == "approved"
    assert application.licence_number.startswith("PTA-VPN-CL-")
    assert application.conditions == "Only these."
    assert list(application.changes.values_list("actor__email", flat=True)) == [
        "admin@induscode.pk",
        "reviewer@pta.example",
        "supervisor@pta.example",
    ]

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from applicants.models import Applicant
from tests.factories import make_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_viewer(reviewer):
    reviewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_registration", "view_ipentry", "view_applicant"])
    )
    return reviewer


def test_staff_see_whose_network_conflicts_and_applicant_cnic_masked(
    client, staff_viewer, freelancer, other_applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        theirs = make_registration(user=other_applicant, networks=["111.68.96.0/24"], submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        mine = make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
    client.force_login(staff_viewer)
    page = client.get(reverse("admin:vpn_records_registration_change", args=[mine.pk])).content.decode()
    assert f'Overlaps <bdi dir="ltr">{theirs.reference} (111.68.96.0/24)</bdi>' in page
    listing = client.get(reverse("admin:applicants_applicant_changelist")).content.decode()
    assert "35202-*******-3" in listing and "3520212345673" not in listing


def test_applicant_sees_identity_problems_on_the_registration(client, freelancer, django_capture_on_commit_callbacks):
    Applicant.objects.filter(pk=freelancer.applicant_id).update(mobile="+924235761234")  # a Lahore landline
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
    registration.refresh_from_db()
    assert registration.status == "changes_requested"
    client.force_login(freelancer)
    assert "This looks like a landline" in client.get(registration.get_absolute_url()).content.decode()


@pytest.fixture
def reviewed(freelancer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.10", "10.0.0.1"], submit=True)
    return registration


def act(client, model: str, action: str, ids: list[int], **extra):
    url = reverse(f"admin:vpn_records_{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": ids, **extra}, follow=True)


def test_reviewer_rejects_in_the_admin_only_after_giving_a_reason(client, reviewer, reviewed):
    bad = reviewed.entries.get(network="10.0.0.1")
    client.force_login(reviewer)
    page = act(client, "ipentry", "reject", [bad.pk]).content.decode()
    assert "Reject entries" in page and "10.0.0.1" in page
    page = act(client, "ipentry", "reject", [bad.pk], apply="1", standard_reason="other").content.decode()
    assert "Explain the reason when you choose “Other”." in page
    bad.refresh_from_db()
    assert bad.status == "changes_requested"
    act(client, "ipentry", "reject", [bad.pk], apply="1", standard_reason="not_public", details="It is 10/8.")
    bad.refresh_from_db()
    assert bad.status == "rejected"
    change = bad.status_changes.get(to_status="rejected")
    assert change.reason == "The address is not public address space. It is 10/8."
    assert change.actor == reviewer


def test_reviewer_approves_entries_in_bulk_and_cannot_revoke(client, reviewer, reviewed):
    good = reviewed.entries.get(network="111.68.96.10")
    client.force_login(reviewer)
    act(client, "ipentry", "approve", [good.pk])
    good.refresh_from_db()
    assert good.status == "approved"
    assert 'value="revoke"' not in client.get(reverse("admin:vpn_records_ipentry_changelist")).content.decode()
    act(client, "ipentry", "revoke", [good.pk], apply="1", standard_reason="denied")
    good.refresh_from_db()
    assert good.status == "approved"


def test_decision_records_cannot_be_edited_or_deleted_in_the_admin(client, supervisor, reviewed):
    client.force_login(supervisor)
    change = reviewed.status_changes.first()
    detail = client.get(reverse("admin:vpn_records_statuschange_change", args=[change.pk])).content.decode()
    assert 'name="_save"' not in detail
    edit = client.post(reverse("admin:vpn_records_statuschange_change", args=[change.pk]), {"reason": "rewritten"})
    assert edit.status_code == 403
    assert client.post(reverse("admin:vpn_records_statuschange_delete", args=[change.pk])).status_code == 403
    change.refresh_from_db()
    assert change.reason != "rewritten"
    page = client.get(reverse("admin:vpn_records_registration_change", args=[reviewed.pk])).content.decode()
    assert 'name="status_changes-0-reason"' not in page
    assert 'name="status_changes-0-DELETE"' not in page


def test_auditor_sees_but_has_no_decision_actions(client, auditor, reviewed):
    client.force_login(auditor)
    page = client.get(reverse("admin:vpn_records_ipentry_changelist")).content.decode()
    assert "111.68.96.10" in page
    assert 'value="approve"' not in page and 'value="reject"' not in page

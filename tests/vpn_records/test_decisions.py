from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from core.errors import ConflictError, ForbiddenError, PortalError
from tests.factories import make_registration, token_for
from vpn_records import services
from vpn_records.models import IpEntry, Status, StatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def under_review(freelancer, django_capture_on_commit_callbacks):
    """A registration verified into review: one good entry, one that failed verification."""
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(
            user=freelancer, networks=["111.68.96.10", "39.40.1.0/24", "10.0.0.1"], submit=True
        )
    registration.refresh_from_db()
    assert registration.status == Status.UNDER_REVIEW
    return registration


def entry(registration, network) -> IpEntry:
    return registration.entries.get(network=network)


def staff_api(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return api_client


def test_role_groups_come_from_a_migration_with_their_permissions():
    perms = {g.name: {p.codename for p in g.permissions.all()} for g in Group.objects.all()}
    assert "decide_ipentry" in perms["reviewer"] and "revoke_ipentry" not in perms["reviewer"]
    assert {"decide_ipentry", "revoke_ipentry", "add_deniednetwork", "add_deniednumber"} <= perms["supervisor"]
    assert "add_deniednumber" not in perms["reviewer"] and "view_deniednumber" in perms["reviewer"]
    assert all(codename.startswith("view_") for codename in perms["auditor"])
    assert "view_numberview" in perms["auditor"] and "view_numberview" not in perms["reviewer"]


def test_reviewer_decides_each_entry_and_the_registration_follows(under_review, reviewer):
    services.entries_decide(entries=[entry(under_review, "111.68.96.10/32")], actor=reviewer, approve=True)
    under_review.refresh_from_db()
    assert under_review.status == Status.UNDER_REVIEW  # two entries still wait
    services.entries_decide(
        entries=[entry(under_review, "39.40.1.0/24"), entry(under_review, "10.0.0.1/32")],
        actor=reviewer,
        approve=False,
        reason="Not assigned to you by your ISP.",
    )
    under_review.refresh_from_db()
    approved = entry(under_review, "111.68.96.10/32")
    assert approved.status == Status.APPROVED
    assert approved.valid_until == timezone.localdate() + timedelta(days=365)
    assert (under_review.status, under_review.valid_until) == (Status.APPROVED, approved.valid_until)
    rejection = StatusChange.objects.get(entry=entry(under_review, "39.40.1.0/24"), to_status=Status.REJECTED)
    assert (rejection.actor, rejection.reason) == (reviewer, "Not assigned to you by your ISP.")


def test_rejecting_everything_rejects_the_registration(under_review, reviewer):
    services.registration_decide(registration=under_review, actor=reviewer, approve=False, reason="Fake purpose.")
    under_review.refresh_from_db()
    assert under_review.status == Status.REJECTED
    assert set(under_review.entries.values_list("status", flat=True)) == {Status.REJECTED}


def test_approving_a_registration_needs_a_reason_for_the_entries_that_failed(under_review, reviewer):
    with pytest.raises(PortalError, match="Give a reason"):
        services.registration_decide(registration=under_review, actor=reviewer, approve=True)
    services.registration_decide(registration=under_review, actor=reviewer, approve=True, reason="Private address.")
    statuses = dict(under_review.entries.values_list("network", "status"))
    assert sorted(statuses.values()) == [Status.APPROVED, Status.APPROVED, Status.REJECTED]


def test_validity_period_is_configurable(under_review, reviewer, settings):
    settings.APPROVAL_VALIDITY_DAYS = 30
    services.entries_decide(entries=[entry(under_review, "111.68.96.10/32")], actor=reviewer, approve=True)
    assert entry(under_review, "111.68.96.10/32").valid_until == timezone.localdate() + timedelta(days=30)


def test_rejection_without_a_reason_is_refused(under_review, reviewer):
    with pytest.raises(PortalError, match="Give a reason"):
        services.entries_decide(entries=[entry(under_review, "39.40.1.0/24")], actor=reviewer, approve=False)


def test_auditor_and_applicant_cannot_decide(under_review, auditor, freelancer):
    for user in (auditor, freelancer):
        with pytest.raises(ForbiddenError):
            services.entries_decide(entries=[entry(under_review, "111.68.96.10/32")], actor=user, approve=True)


def test_only_supervisors_revoke_and_the_last_revocation_revokes_the_registration(under_review, reviewer, supervisor):
    services.registration_decide(registration=under_review, actor=reviewer, approve=True, reason="Private address.")
    with pytest.raises(ForbiddenError):
        services.entry_revoke(entry=entry(under_review, "111.68.96.10/32"), actor=reviewer, reason="Abuse")
    services.entry_revoke(entry=entry(under_review, "111.68.96.10/32"), actor=supervisor, reason="Abuse report")
    under_review.refresh_from_db()
    assert under_review.status == Status.APPROVED  # 39.40.1.0/24 is still approved
    services.entry_revoke(entry=entry(under_review, "39.40.1.0/24"), actor=supervisor, reason="Abuse report")
    under_review.refresh_from_db()
    assert under_review.status == Status.REVOKED


def test_deciding_outside_review_is_refused(freelancer, reviewer):
    draft = make_registration(user=freelancer)
    with pytest.raises(ConflictError, match="is not under review"):
        services.entries_decide(entries=list(draft.entries.all()), actor=reviewer, approve=True)


def test_changes_requested_go_back_to_the_applicant(under_review, reviewer, client, freelancer):
    services.registration_request_changes(registration=under_review, actor=reviewer, reason="Describe the clients.")
    under_review.refresh_from_db()
    assert under_review.status == Status.CHANGES_REQUESTED
    client.force_login(freelancer)
    page = client.get(under_review.get_absolute_url()).content.decode()
    assert "Describe the clients." in page and "Change and submit" in page


def test_applicant_may_give_up_an_approval(under_review, reviewer, freelancer):
    services.registration_decide(registration=under_review, actor=reviewer, approve=True, reason="Private address.")
    under_review.refresh_from_db()
    services.registration_withdraw(registration=under_review, user=freelancer, reason="No longer needed")
    assert set(under_review.entries.values_list("status", flat=True)) == {Status.WITHDRAWN, Status.REJECTED}


def test_review_api_approves_and_rejects_for_reviewers(under_review, reviewer, api_client):
    api = staff_api(api_client, reviewer)
    good, bad = entry(under_review, "111.68.96.10/32"), entry(under_review, "10.0.0.1/32")
    response = api.post(reverse("api:review-entry-approve", args=[good.pk]), {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["registration"] == under_review.reference
    response = api.post(reverse("api:review-entry-reject", args=[bad.pk]), {}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
    response = api.post(reverse("api:review-entry-reject", args=[bad.pk]), {"reason": "Private"}, format="json")
    assert response.json()["status"] == "rejected"
    assert api.post(reverse("api:review-entry-approve", args=[987654]), {}, format="json").status_code == 404


def test_review_api_refuses_other_tokens(under_review, auditor, freelancer, api_client):
    good = entry(under_review, "111.68.96.10/32")
    for user in (auditor, freelancer):
        response = staff_api(api_client, user).post(
            reverse("api:review-entry-approve", args=[good.pk]), {}, format="json"
        )
        assert response.status_code == 403
    assert entry(under_review, "111.68.96.10/32").status == Status.UNDER_REVIEW


def test_decision_emails_each_member_in_their_language_once(
    company_user, company_colleague, reviewer, django_capture_on_commit_callbacks
):
    from django.core import mail

    company_colleague.language = "ur"
    company_colleague.save()
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=company_user, networks=["111.68.96.10", "10.0.0.1"], submit=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_decide(registration=registration, actor=reviewer, approve=True, reason="Private range.")
    by_recipient = {message.to[0]: message for message in mail.outbox if registration.reference in message.subject}
    assert set(by_recipient) == {company_user.email, company_colleague.email}
    english = by_recipient[company_user.email]
    assert english.subject == f"{registration.reference}: Partly approved"
    valid_until = registration.entries.get(network="111.68.96.10").valid_until
    assert f"valid until {valid_until:%-d %B %Y}" in english.body
    assert "10.0.0.1: Rejected — Private range." in english.body
    urdu_html = by_recipient[company_colleague.email].alternatives[0][0]
    assert 'dir="rtl"' in urdu_html and "جزوی طور پر منظور" in urdu_html


def test_only_supervisors_override_verification_and_say_why(under_review, reviewer, supervisor):
    failed = entry(under_review, "10.0.0.1/32")
    with pytest.raises(ForbiddenError):
        services.entries_decide(entries=[failed], actor=reviewer, approve=True, reason="It is ours")
    with pytest.raises(PortalError, match="Give a reason"):
        services.entries_decide(entries=[failed], actor=supervisor, approve=True)
    services.entries_decide(entries=[failed], actor=supervisor, approve=True, reason="Lab network, checked by phone")
    assert entry(under_review, "10.0.0.1/32").status == Status.APPROVED


def test_denylist_is_managed_by_supervisors_only(client, reviewer, supervisor, auditor):
    url = reverse("admin:vpn_records_deniednetwork_add")
    form = {"network": "111.68.96.0/28", "reason": "Botnet C2"}
    for user in (reviewer, auditor):
        client.force_login(user)
        assert client.post(url, form).status_code == 403
    client.force_login(supervisor)
    assert client.post(url, form).status_code == 302
    from vpn_records.models import DeniedNetwork

    assert DeniedNetwork.objects.get().created_by == supervisor


def test_decision_records_are_listed_read_only(client, under_review, auditor):
    client.force_login(auditor)
    page = client.get(reverse("admin:vpn_records_statuschange_changelist")).content.decode()
    assert under_review.reference in page
    change = StatusChange.objects.filter(registration=under_review).first()
    detail = client.get(reverse("admin:vpn_records_statuschange_change", args=[change.pk])).content.decode()
    assert 'name="_save"' not in detail and 'name="reason"' not in detail


def test_partly_approved_registration_says_so_on_web_and_api(
    under_review, reviewer, client, freelancer, freelancer_api
):
    services.registration_decide(registration=under_review, actor=reviewer, approve=True, reason="Private address.")
    client.force_login(freelancer)
    assert "Partly approved" in client.get(reverse("vpn_records:dashboard")).content.decode()
    body = freelancer_api.get(reverse("api:registration-detail", args=[under_review.reference])).json()
    assert (body["status"], body["partly_approved"]) == ("approved", True)


def test_a_partly_decided_registration_reads_the_same_on_page_dashboard_and_api(
    under_review, reviewer, client, freelancer, freelancer_api
):
    services.entries_decide(entries=[entry(under_review, "111.68.96.10/32")], actor=reviewer, approve=True)
    label = "Partly approved; the rest under review"
    client.force_login(freelancer)
    assert label in client.get(reverse("vpn_records:dashboard")).content.decode()
    assert label in client.get(under_review.get_absolute_url()).content.decode()
    body = freelancer_api.get(reverse("api:registration-detail", args=[under_review.reference])).json()
    assert (body["status"], body["status_label"], body["partly_approved"]) == ("under_review", label, True)


def test_supervisors_revoke_over_the_review_api_and_a_revoked_approval_is_never_called_valid(
    under_review, reviewer, supervisor, api_client, client, freelancer, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    services.registration_decide(registration=under_review, actor=reviewer, approve=True, reason="Private address.")
    approved = entry(under_review, "111.68.96.10/32")
    url = reverse("api:review-entry-revoke", args=[approved.pk])
    assert staff_api(api_client, reviewer).post(url, {"reason": "x"}, format="json").status_code == 403
    supervisor_api = staff_api(api_client, supervisor)
    assert supervisor_api.post(url, {}, format="json").status_code == 400  # a reason is required
    with django_capture_on_commit_callbacks(execute=True):
        answer = supervisor_api.post(url, {"reason": "The ISP reassigned the address."}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["valid_until"]) == ("revoked", None)
    assert answer.json()["registration_status"] == "approved"  # its other network stays approved
    with django_capture_on_commit_callbacks(execute=True):
        last = reverse("api:review-entry-revoke", args=[entry(under_review, "39.40.1.0/24").pk])
        assert supervisor_api.post(last, {"reason": "Reassigned."}, format="json").json()["registration_status"] == (
            "revoked"
        )
    rejected = entry(under_review, "10.0.0.1/32")
    again = supervisor_api.post(reverse("api:review-entry-revoke", args=[rejected.pk]), {"reason": "x"}, format="json")
    assert again.status_code == 409

    under_review.refresh_from_db()
    assert under_review.status == Status.REVOKED
    client.force_login(freelancer)
    page = client.get(under_review.get_absolute_url()).content.decode()
    assert "Valid until" not in page
    freelancer_api = staff_api(api_client, freelancer)
    body = freelancer_api.get(reverse("api:registration-detail", args=[under_review.reference])).json()
    assert body["status"] == "revoked" and body["valid_until"] is None
    entries = freelancer_api.get(reverse("api:registration-entry-list", args=[under_review.reference])).json()
    assert all(e["valid_until"] is None for e in entries["results"])
    notice = Notification.objects.filter(event="registration_decided", channel="email").latest("id")
    assert "Revoked" in notice.body_text and "valid until" not in notice.body_text.lower()

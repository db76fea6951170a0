from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from tests.factories import make_registration
from vpn_records import services
from vpn_records.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(freelancer, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_decide(registration=registration, actor=reviewer, approve=True)
    registration.refresh_from_db()
    return registration


def test_applicants_are_warned_30_and_7_days_before_an_approval_ends_once_each(
    approved, sms_outbox, django_capture_on_commit_callbacks
):
    for days in (31, 30, 30, 8, 7):
        with django_capture_on_commit_callbacks(execute=True):
            services.approvals_remind_and_expire(today=approved.valid_until - timedelta(days=days))
    notices = [m for m in mail.outbox if "expires on" in m.subject]
    assert len(notices) == 2
    assert f"{approved.reference} expires on {approved.valid_until:%-d %B %Y}" == notices[0].subject
    assert len([sms for sms in sms_outbox if "approval ends" in sms.text]) == 2
    assert len(sms_outbox[-1].text) <= 160  # one SMS part


def test_approvals_past_their_end_date_expire(approved):
    services.approvals_remind_and_expire(today=approved.valid_until)
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED
    result = services.approvals_remind_and_expire(today=approved.valid_until + timedelta(days=1))
    approved.refresh_from_db()
    assert result["expired"] == [approved.reference]
    assert approved.status == Status.EXPIRED
    assert set(approved.entries.values_list("status", flat=True)) == {Status.EXPIRED}


def test_supervisor_resends_a_failed_email_from_the_admin(
    client, supervisor, freelancer, django_capture_on_commit_callbacks
):
    failed = Notification.objects.create(
        user=freelancer, to_address=freelancer.email, channel="email", event="registration_submitted",
        subject="We received VPN-2026-000009", body_text="…", status="failed", attempts=8, last_error="SMTP down",
        idempotency_key="resend-me",
    )  # fmt: skip
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:notifications_notification_changelist"),
            {"action": "resend", "_selected_action": [failed.pk]},
        )
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("sent", 1, "")
    assert [m.subject for m in mail.outbox] == ["We received VPN-2026-000009"]


def test_reviewers_cannot_resend(client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("admin:notifications_notification_changelist")).content.decode()
    assert 'value="resend"' not in page

import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.factories import make_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(freelancer, django_capture_on_commit_callbacks, settings):
    settings.SMS_BACKEND = "notifications.sms.LocmemBackend"
    with django_capture_on_commit_callbacks(execute=True):
        return make_registration(user=freelancer, networks=["111.68.96.10", "10.0.0.1"], submit=True)


def test_every_step_reaches_email_sms_and_the_in_app_inbox(submitted, freelancer):
    from django.core import mail

    from notifications.sms import LocmemBackend

    events = set(Notification.objects.values_list("event", "channel"))
    for event in ("registration_submitted", "verification_problems"):
        assert {(event, "email"), (event, "sms"), (event, "in_app")} <= events
    assert any("10.0.0.1" in message.body and "private address space" in message.body for message in mail.outbox)
    assert any(submitted.reference in sms.text for sms in LocmemBackend.outbox)


def test_header_counts_unread_messages_and_marking_read_clears_them(client, submitted, freelancer):
    client.force_login(freelancer)
    page = client.get(reverse("vpn_records:dashboard")).content.decode()
    assert '<span class="badge" aria-label="2 unread">2</span>' in page
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert f"We received {submitted.reference}" in inbox
    one = Notification.objects.filter(user=freelancer, channel="in_app").first()
    client.post(reverse("notifications:mark_read"), {"notification": one.pk})
    assert 'aria-label="1 unread"' in client.get(reverse("vpn_records:dashboard")).content.decode()
    client.post(reverse("notifications:mark_read"))
    assert "badge" not in client.get(reverse("vpn_records:dashboard")).content.decode()


def test_nobody_reads_or_clears_another_users_messages(client, submitted, other_applicant):
    client.force_login(other_applicant)
    assert submitted.reference not in client.get(reverse("notifications:inbox")).content.decode()
    theirs = Notification.objects.filter(channel="in_app").first()
    client.post(reverse("notifications:mark_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_malformed_message_number_is_refused_not_a_server_error(client, freelancer):
    client.force_login(freelancer)
    assert client.post(reverse("notifications:mark_read"), {"notification": "abc"}).status_code == 400

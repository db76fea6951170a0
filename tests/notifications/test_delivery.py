import contextlib

import pytest

from notifications.models import Notification
from notifications.services import notification_deliver, notification_queue, notification_redispatch_stuck
from notifications.sms import SmsDeliveryError, sms_encoding
from notifications.tasks import send_notification
from tests.factories import make_registration
from vpn_records import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def under_review(freelancer, django_capture_on_commit_callbacks, settings):
    settings.SMS_BACKEND = "notifications.sms.LocmemBackend"
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.10", "10.0.0.1"], submit=True)
    return registration


def sms(user, text="VPN-2026-000001: Approved.") -> Notification:
    return notification_queue(
        channel="sms",
        event="registration_submitted",
        to_address="+923001234567",
        context={"registration": type("R", (), {"reference": "VPN-2026-000001"})(), "link": "http://x"},
        idempotency_key=f"test:{text}",
        user=user,
    )


def test_approval_email_reaches_a_real_smtp_server_with_both_parts(
    smtp_server, under_review, reviewer, django_capture_on_commit_callbacks
):
    earlier = len(smtp_server.messages)  # submitted, and the verification problem found
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_decide(registration=under_review, actor=reviewer, approve=True, reason="Private.")
    (message,) = smtp_server.messages[earlier:]
    assert message["To"] == "ayesha@example.pk"
    assert message["Subject"] == f"{under_review.reference}: Partly approved"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert under_review.reference in text and "valid until" in text
    assert "10.0.0.1: Rejected — Private." in text
    assert f"{under_review.reference}" in html and 'dir="ltr"' in html
    sent = Notification.objects.get(event="registration_decided", channel="email")
    assert (sent.status, sent.attempts) == ("sent", 1)


def test_sending_twice_sends_once(smtp_server, freelancer):
    notification = notification_queue(
        channel="email",
        event="email_confirmation",
        to_address=freelancer.email,
        context={"user": freelancer, "link": "http://127.0.0.1:8000/confirm"},
        idempotency_key="confirm-once",
        user=freelancer,
    )
    notification_deliver(notification_id=notification.pk)
    assert notification_deliver(notification_id=notification.pk) is None
    send_notification.apply(args=[notification.pk])
    assert len(smtp_server.messages) == 1


def test_queueing_the_same_event_twice_makes_one_row(freelancer):
    first, second = sms(freelancer), sms(freelancer)
    assert first.pk == second.pk


def test_gateway_credentials_sender_and_encoding(sms_gateway, freelancer):
    notification = sms(freelancer)
    notification_deliver(notification_id=notification.pk)
    (accepted,) = sms_gateway.accepted
    assert accepted["to"] == "+923001234567" and accepted["from"] == "VPNREG" and accepted["encoding"] == "gsm7"
    assert sms_gateway.authorization == ["Basic cG9ydGFsOnMzY3JldA=="]  # portal:s3cret


def test_a_failed_attempt_keeps_the_error_and_when_to_try_next(sms_gateway, freelancer):
    sms_gateway.script = [503]
    notification = sms(freelancer)
    with pytest.raises(SmsDeliveryError):
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == "queued"
    assert notification.last_error == "SmsDeliveryError: gateway answered 503"
    assert notification.next_attempt_at is not None


def test_after_the_last_attempt_a_notification_is_failed_with_its_error(sms_gateway, freelancer, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    sms_gateway.script = [500, 500, 500, 500]
    notification = sms(freelancer)
    for _ in range(3):
        with contextlib.suppress(SmsDeliveryError):
            notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("failed", 3)
    assert "500" in notification.last_error
    assert not sms_gateway.accepted
    assert notification_deliver(notification_id=notification.pk) is None


def test_urdu_sms_goes_as_ucs2():
    assert sms_encoding("VPN-2026-000001: Approved.") == "gsm7"
    assert sms_encoding("VPN-2026-000001: منظور شدہ") == "ucs2"


def test_sweeper_publishes_queued_rows_whose_task_was_lost(freelancer, settings, django_capture_on_commit_callbacks):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    settings.SMS_BACKEND = "notifications.sms.LocmemBackend"
    with time_machine.travel(timezone.now() - timedelta(minutes=30)):
        lost = sms(freelancer)  # its task never ran: on_commit was not executed
    with django_capture_on_commit_callbacks(execute=True):
        swept = notification_redispatch_stuck(older_than=timedelta(minutes=5))
    assert swept == [str(lost.pk)]
    lost.refresh_from_db()
    assert lost.status == "sent"


def test_a_republished_row_is_left_to_its_new_task_by_the_next_sweep(freelancer, django_capture_on_commit_callbacks):
    """One sweeper shape for every job (core.jobs): a lost row is published again once, not at every sweep."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() - timedelta(minutes=30)):
        lost = sms(freelancer)
    with django_capture_on_commit_callbacks(execute=False) as published:
        first = notification_redispatch_stuck(older_than=timedelta(minutes=5))
        second = notification_redispatch_stuck(older_than=timedelta(minutes=5))
    assert first == [str(lost.pk)]
    assert second == []
    assert len(published) == 1

"""Notifications through real worker processes: retried after a gateway error, recovered after a Redis flush."""

import pytest

from notifications.models import Notification
from notifications.services import notification_queue
from tests.conftest import TEST_QUEUE
from tests.workers import wait_for

pytestmark = [pytest.mark.xdist_group("redis"), pytest.mark.django_db(transaction=True)]


def status_of(notification) -> str:
    return Notification.objects.values_list("status", flat=True).get(pk=notification.pk)


def test_gateway_503_then_success_sends_exactly_one_sms(workers, sms_gateway, freelancer, settings):
    sms_gateway.script = [503]
    workers(SMS_BACKEND=settings.SMS_BACKEND, SMS_GATEWAY_URL=settings.SMS_GATEWAY_URL,
            SMS_GATEWAY_USERNAME="portal", SMS_GATEWAY_PASSWORD="s3cret")  # fmt: skip
    notification = notification_queue(
        channel="sms",
        event="registration_submitted",
        to_address="+923001234567",
        context={"registration": {"reference": "VPN-2026-000042"}, "link": "http://127.0.0.1:8000/r"},
        idempotency_key="worker-sms",
        user=freelancer,
    )
    wait_for(lambda: status_of(notification) == "sent", timeout=30, what="the retried SMS")
    notification.refresh_from_db()
    assert notification.attempts == 2 and notification.last_error == "SmsDeliveryError: gateway answered 503"
    assert sms_gateway.requests == 2
    assert [sms["to"] for sms in sms_gateway.accepted] == ["+923001234567"]
    assert "VPN-2026-000042" in sms_gateway.accepted[0]["text"]


def test_email_queued_before_a_redis_flush_is_delivered_by_the_sweeper(
    workers,
    broker_redis,
    smtp_server,
    freelancer,
):
    notification = notification_queue(
        channel="email",
        event="email_confirmation",
        to_address=freelancer.email,
        context={"user": freelancer, "link": "http://127.0.0.1:8000/confirm"},
        idempotency_key="worker-email",
        user=freelancer,
    )
    assert broker_redis.llen(f"{TEST_QUEUE}.notifications") == 1
    broker_redis.flushdb()
    workers(EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}")
    wait_for(lambda: status_of(notification) == "sent", timeout=30, what="the sweeper to deliver it")
    assert [message["To"] for message in smtp_server.messages] == [freelancer.email]

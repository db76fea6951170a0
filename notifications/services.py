"""The outbox: queue a message in the database, deliver it from a task after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification

logger = logging.getLogger(__name__)


def notification_queue_email(
    *, event: str, to_address: str, context: dict, idempotency_key: str, user=None, language: str = "en"
) -> Notification:
    """Render `templates/notifications/<event>` in the recipient's language and queue it; dispatch on commit.

    A second call with the same key returns the existing row and sends nothing more.
    """
    with translation.override(language):
        subject = " ".join(render_to_string(f"notifications/{event}.subject.txt", context).split())
        body_text = render_to_string(f"notifications/{event}.txt", context)
        body_html = render_to_string(f"notifications/{event}.html", context)
    notification, created = Notification.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "user": user,
            "to_address": to_address,
            "channel": Notification.Channel.EMAIL,
            "event": event,
            "language": language,
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
        },
    )
    if created:
        from .tasks import send_notification

        transaction.on_commit(lambda: send_notification.delay(notification.pk))
    return notification


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send one queued notification; a row already sent is left alone."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, status=Notification.Status.QUEUED)
            .first()
        )
        if notification is None:
            return None
        notification.status = Notification.Status.SENDING
        notification.attempts += 1
        notification.save(update_fields=["status", "attempts"])
    try:
        _send_email(notification)
    except Exception as exc:
        logger.warning("notification %s failed: %s", notification.pk, exc)
        notification.status = Notification.Status.QUEUED
        notification.last_error = str(exc)[:2000]
        notification.save(update_fields=["status", "last_error"])
        raise
    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.save(update_fields=["status", "sent_at", "last_error"])
    return notification


def _send_email(notification: Notification) -> None:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_address],
        headers={"X-Portal-Notification": str(notification.pk)},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    message.send()

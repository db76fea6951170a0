"""The outbox: queue a message in the database, deliver it from a task after commit, at most once per key."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.jobs import publish_on_commit, redispatch_stuck

from .models import Notification
from .sms import SmsMessage, get_sms_backend

logger = logging.getLogger(__name__)
Channel, Status = Notification.Channel, Notification.Status


def _render(event: str, channel: str, context: dict) -> dict[str, str]:
    name = f"notifications/{event}"
    if channel == Channel.SMS:
        return {"body_text": " ".join(render_to_string(f"{name}.sms.txt", context, using="text").split())}
    rendered = {
        "subject": " ".join(render_to_string(f"{name}.subject.txt", context, using="text").split()),
        "body_text": render_to_string(f"{name}.txt", context, using="text").strip(),
    }
    if channel == Channel.EMAIL:
        rendered["body_html"] = render_to_string(f"{name}.html", context)
    return rendered


def notification_queue(
    *,
    channel: str,
    event: str,
    to_address: str,
    context: dict,
    idempotency_key: str,
    user=None,
    language: str = "en",
    secret: bool = False,
) -> Notification:
    """Render `templates/notifications/<event>` for the channel in the recipient's language and queue it.
    A `secret` message (a one-time code) has its text blanked once it is sent or given up.

    Email and SMS are sent by the `send_notification` task after commit; an in-app message is delivered on the
    spot. A second call with the same key returns the first row and sends nothing more.
    """
    with translation.override(language):
        rendered = _render(event, channel, context)
    in_app = channel == Channel.IN_APP
    notification, created = Notification.objects.get_or_create(
        idempotency_key=f"{idempotency_key}:{channel}",
        defaults={
            "user": user,
            "to_address": to_address,
            "channel": channel,
            "event": event,
            "language": language,
            "status": Status.SENT if in_app else Status.QUEUED,
            "sent_at": timezone.now() if in_app else None,
            "secret": secret,
            **rendered,
        },
    )
    if created and not in_app:
        _dispatch(notification.pk)
    return notification


def notification_queue_email(*, event: str, to_address: str, context: dict, idempotency_key: str, user=None,
                             language: str = "en") -> Notification:  # fmt: skip
    return notification_queue(
        channel=Channel.EMAIL,
        event=event,
        to_address=to_address,
        context=context,
        idempotency_key=idempotency_key,
        user=user,
        language=language,
    )


def notify_members(
    *,
    members: Iterable[Any],
    event: str,
    context: Callable[[Any], dict],
    key: str,
    channels: tuple[str, ...] = (Channel.EMAIL, Channel.IN_APP),
) -> None:
    """Queue `event` for each member (a user: email, language) on each channel, with `context(member)` built in
    the member's own language. Once per member and `key`, however often called."""
    for member in members:
        with translation.override(member.language):
            member_context = context(member)
            for channel in channels:
                notification_queue(
                    channel=channel,
                    event=event,
                    to_address=member.email,
                    context=member_context,
                    idempotency_key=f"{event}:{key}:{member.pk}",
                    user=member,
                    language=member.language,
                )


def _dispatch(notification_id: int) -> None:
    from .tasks import send_notification

    publish_on_commit(send_notification.delay, notification_id)


def retry_delay(attempts: int) -> timedelta:
    """NOTIFICATION_RETRY_BASE_SECONDS (30), then doubling with each attempt, at most an hour."""
    return timedelta(seconds=min(settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send one queued notification. Sent or failed rows are left alone, so running twice sends once.

    A delivery error puts the row back in the queue with the error and the time of the next attempt, and is
    raised for the task to retry; after NOTIFICATION_MAX_ATTEMPTS the row is `failed` for good.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Status.QUEUED)
            .first()
        )
        if notification is None:
            return None
        notification.status = Status.SENDING
        notification.attempts += 1
        notification.save(update_fields=["status", "attempts"])
    try:
        _send(notification)
    except Exception as error:
        failed = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        notification.status = Status.FAILED if failed else Status.QUEUED
        notification.last_error = f"{type(error).__name__}: {error}"[:2000]
        notification.next_attempt_at = None if failed else timezone.now() + retry_delay(notification.attempts)
        notification.save(update_fields=["status", "last_error", "next_attempt_at"])
        if failed:
            _forget_secret(notification)
        logger.warning("notification %s attempt %s failed: %s", notification.pk, notification.attempts, error)
        if not failed:
            raise
        return notification
    notification.status = Status.SENT
    notification.sent_at = timezone.now()
    notification.save(update_fields=["status", "sent_at"])
    _forget_secret(notification)
    return notification


def _forget_secret(notification: Notification) -> None:
    if notification.secret:
        Notification.objects.filter(pk=notification.pk).update(body_text="", body_html="")


def _send(notification: Notification) -> None:
    if notification.channel == Channel.SMS:
        get_sms_backend().send(SmsMessage(to=notification.to_address, text=notification.body_text))
        return
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


def notification_redispatch_stuck(*, older_than: timedelta) -> list[str]:
    """Publish again queued rows whose task was lost (broker flushed, worker killed); returns their ids."""
    from .tasks import send_notification

    # A row left `sending` by a killed worker goes back to the queue: sending it again beats never sending it.
    Notification.objects.filter(status=Status.SENDING, dispatched_at__lt=timezone.now() - 2 * older_than).update(
        status=Status.QUEUED
    )
    return redispatch_stuck(
        # Not the rows waiting out a retry's delay: their task is in the broker's schedule.
        Notification.objects.filter(status=Status.QUEUED).exclude(next_attempt_at__gt=timezone.now() - older_than),
        stamp="dispatched_at",
        older_than=older_than,
        publish=send_notification.delay,
        limit=1000,
    )


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's in-app messages read, or all of them; returns how many changed."""
    unread = Notification.objects.filter(user=user, channel=Channel.IN_APP, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notifications_resend(*, notification_ids: list[int]) -> int:
    """Staff send email or SMS messages again (a failed one, or one the applicant says never arrived)."""
    resent = list(
        Notification.objects.select_for_update()
        .filter(pk__in=notification_ids, status__in=[Status.SENT, Status.FAILED])
        .exclude(channel=Channel.IN_APP)
        .exclude(secret=True)  # its text is gone: the applicant asks for a new code instead
        .values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=resent).update(
        status=Status.QUEUED,
        attempts=0,
        next_attempt_at=None,
        last_error="",
        sent_at=None,
        dispatched_at=timezone.now(),
    )
    for notification_id in resent:
        _dispatch(notification_id)
    return len(resent)

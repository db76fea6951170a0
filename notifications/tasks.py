from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from .services import notification_deliver, notification_redispatch_stuck, retry_delay


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_notification(self, notification_id: int) -> None:
    """Deliver one outbox row. On a delivery error the row holds the error and the task retries with backoff."""
    try:
        notification_deliver(notification_id=notification_id)
    except Exception as exc:
        if self.request.is_eager:
            return  # in-process (no broker): the row keeps its error and next attempt for the sweeper
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries + 1).total_seconds()) from exc


@shared_task(acks_late=True)
def sweep_stuck_notifications() -> list[str]:
    """Re-publish queued notifications whose task was lost."""
    return notification_redispatch_stuck(older_than=timedelta(seconds=settings.NOTIFICATION_REDISPATCH_AFTER))

from __future__ import annotations

from celery import shared_task

from .services import notification_deliver


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_notification(self, notification_id: int) -> None:
    """Deliver one outbox row; retries with exponential backoff on delivery errors."""
    try:
        notification_deliver(notification_id=notification_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc

from __future__ import annotations

from celery import shared_task

from core.jobs import RETRY_ON_DATABASE_ERRORS

from . import services


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def notify_deadline_extended(change_id: int) -> int:
    """Tell applicants with unfinished registrations that the deadline moved later; safe to run twice."""
    return services.deadline_extension_notify(change_id=change_id)


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def send_deadline_reminders() -> int:
    """Beat, daily: remind applicants with drafts as the deadline nears; safe to run twice."""
    return services.deadline_reminders_send()

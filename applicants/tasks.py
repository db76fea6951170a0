from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from .services import unconfirmed_applicants_remove


@shared_task(acks_late=True)
def remove_unconfirmed_applicants() -> int:
    """Daily: applicants whose email was never confirmed go after UNCONFIRMED_ACCOUNT_DAYS."""
    return unconfirmed_applicants_remove(older_than=timedelta(days=settings.UNCONFIRMED_ACCOUNT_DAYS))

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from .bulk import bulk_upload_process, bulk_uploads_redispatch_stuck
from .services import approvals_remind_and_expire, registration_verify, verification_redispatch_stuck

# A database that is briefly away is retried with backoff; the work itself is idempotent.
RETRY_ON_DATABASE_ERRORS = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 8,
}


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def verify_registration(registration_id: int) -> None:
    """Verify a submitted registration. Safe to run twice; does nothing once verification is done."""
    registration_verify(registration_id=registration_id)


@shared_task(acks_late=True)
def sweep_stuck_verifications() -> list[str]:
    """Re-publish verification that has waited too long (lost with Redis, or its worker was killed)."""
    return verification_redispatch_stuck(older_than=timedelta(seconds=settings.VERIFICATION_REDISPATCH_AFTER))


@shared_task(acks_late=True)
def remind_and_expire_approvals() -> dict[str, list[str]]:
    """Daily: notices 30 and 7 days before an approval ends; approvals past their end date expire."""
    return approvals_remind_and_expire()


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def process_bulk_upload(upload_id: int) -> None:
    """Process a bulk upload from its last committed chunk. Safe to run twice, even at the same time."""
    bulk_upload_process(upload_id=upload_id)


@shared_task(acks_late=True)
def sweep_stuck_bulk_uploads() -> list[str]:
    """Re-publish bulk uploads that have made no progress for a while (lost with Redis, or worker killed)."""
    return bulk_uploads_redispatch_stuck(older_than=timedelta(seconds=settings.BULK_UPLOAD_REDISPATCH_AFTER))

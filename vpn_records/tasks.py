from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from core.jobs import RETRY_ON_DATABASE_ERRORS

from .services import approvals_remind_and_expire, registration_verify, verification_redispatch_stuck


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

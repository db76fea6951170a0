from __future__ import annotations

from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings

from core.jobs import RETRY_ON_DATABASE_ERRORS

from .services import (
    approvals_remind_and_expire,
    registration_verify,
    sim_ownership_ask,
    verification_redispatch_stuck,
)
from .sim_ownership import SimOwnershipUnavailable


@shared_task(bind=True, **RETRY_ON_DATABASE_ERRORS)
def verify_registration(self: Task, registration_id: int) -> None:
    """Verify a submitted registration. Safe to run twice; does nothing once verification is done.

    An operator that cannot say who holds a number is asked again later, SIM_OWNERSHIP_RETRIES times; then
    verification goes on without its answer, for staff to confirm in review."""
    final = self.request.retries >= settings.SIM_OWNERSHIP_RETRIES
    try:
        ownership = sim_ownership_ask(registration_id=registration_id, final=final)
    except SimOwnershipUnavailable as error:
        delay = settings.SIM_OWNERSHIP_RETRY_DELAY * 2**self.request.retries
        raise self.retry(exc=error, countdown=delay, max_retries=settings.SIM_OWNERSHIP_RETRIES + 1) from error
    registration_verify(registration_id=registration_id, ownership=ownership)


@shared_task(acks_late=True)
def sweep_stuck_verifications() -> list[str]:
    """Re-publish verification that has waited too long (lost with Redis, or its worker was killed)."""
    return verification_redispatch_stuck(older_than=timedelta(seconds=settings.VERIFICATION_REDISPATCH_AFTER))


@shared_task(acks_late=True)
def remind_and_expire_approvals() -> dict[str, list[str]]:
    """Daily: notices 30 and 7 days before an approval ends; approvals past their end date expire."""
    return approvals_remind_and_expire()

from __future__ import annotations

from celery import shared_task

from .services import registration_verify


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def verify_registration(registration_id: int) -> None:
    """Verify a submitted registration's entries. Returns early if it is no longer waiting for verification."""
    registration_verify(registration_id=registration_id)

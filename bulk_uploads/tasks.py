from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from core.jobs import RETRY_ON_DATABASE_ERRORS

from .services import bulk_upload_process, bulk_uploads_redispatch_stuck


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def process_bulk_upload(upload_id: int) -> None:
    """Process a bulk upload from its last committed chunk. Safe to run twice, even at the same time."""
    bulk_upload_process(upload_id=upload_id, slice_seconds=settings.BULK_UPLOAD_SLICE_SECONDS)


@shared_task(acks_late=True)
def sweep_stuck_bulk_uploads() -> list[str]:
    """Re-publish bulk uploads that have made no progress for a while (lost with Redis, or worker killed)."""
    return bulk_uploads_redispatch_stuck(older_than=timedelta(seconds=settings.BULK_UPLOAD_REDISPATCH_AFTER))

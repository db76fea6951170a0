from __future__ import annotations

from celery import shared_task

from core.jobs import RETRY_ON_DATABASE_ERRORS

from . import services


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def purge_expired_documents() -> int:
    """Beat, daily: delete the files of documents kept past DOCUMENT_RETENTION_DAYS after their registration closed."""
    return services.documents_purge_expired()

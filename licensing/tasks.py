from __future__ import annotations

from celery import shared_task

from core.jobs import RETRY_ON_DATABASE_ERRORS

from . import services


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def expire_licences() -> list[str]:
    """Beat, daily: licences past their end become expired, their gateways closed; safe to run twice."""
    return services.licences_expire()

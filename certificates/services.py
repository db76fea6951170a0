"""Every write of certificates: issuing one when a registration is approved or renewed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bidi import isolate
from core.errors import ConflictError
from vpn_records.models import Registration, Status

from .models import Certificate


@transaction.atomic
def certificate_issue(*, registration: Registration) -> Certificate:
    """The certificate of the registration's current approval, issued if there is none yet.

    Idempotent per approval: a new certificate is issued only when the registration's `valid_until` changed since
    the latest one (a renewal), which then supersedes it.
    """
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Status.APPROVED or registration.valid_until is None:
        raise ConflictError(_unavailable_message(registration), code="certificate_unavailable")
    latest = registration.certificates.first()
    if latest is not None and latest.valid_until == registration.valid_until:
        return latest
    return Certificate.objects.create(
        registration=registration,
        valid_until=registration.valid_until,
        entry_count=registration.entries.filter(status=Status.APPROVED).count(),
    )


def certificate_for_download(*, registration: Registration) -> Certificate:
    """The certificate to download: only while the approval stands. One approved before certificates existed,
    or renewed since its last certificate, gets its certificate now."""
    ended = registration.valid_until is not None and registration.valid_until < timezone.localdate()
    if registration.status != Status.APPROVED or ended:
        status = _("Expired") if registration.status == Status.APPROVED else registration.get_status_display()
        raise ConflictError(_unavailable_message(registration, status), code="certificate_unavailable")
    return certificate_issue(registration=registration)


def _unavailable_message(registration: Registration, status: str | None = None) -> str:
    return _(
        "%(reference)s has no certificate to download: its status is “%(status)s”. A certificate is given only "
        "while a registration is approved."
    ) % {"reference": isolate(registration.reference), "status": status or registration.get_status_display()}

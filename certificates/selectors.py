"""Reads of certificates: the latest of a registration, and what a certificate says when someone checks it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from vpn_records.models import IpEntry, Registration, Status

from .models import Certificate, CertificateStatus

# A certificate lists this many entries and counts the rest: a bulk upload's registration may hold 100,000.
ENTRY_LIMIT = 50
# Entries a certificate may speak of: approved when it was issued, whatever happened to them since.
CERTIFIED = [Status.APPROVED, Status.EXPIRED, Status.REVOKED, Status.RENEWED]


@dataclass(frozen=True)
class CertificateReport:
    """What a certificate says now. `valid_until` is None unless the approval stood (never for a revoked one)."""

    certificate: Certificate
    status: CertificateStatus
    valid_until: date | None
    entries: list[IpEntry]
    more: int

    @property
    def registration(self) -> Registration:
        return self.certificate.registration

    @property
    def name(self) -> str:
        return self.registration.applicant.display_name


def certificate_latest(*, registration: Registration) -> Certificate | None:
    return registration.certificates.first()


def certificate_downloadable(*, registration: Registration) -> bool:
    """While the approval stands: not for a registration revoked, withdrawn, rejected or past its end."""
    return (
        registration.status == Status.APPROVED
        and registration.valid_until is not None
        and registration.valid_until >= timezone.localdate()
    )


def certificate_find(*, code: str) -> Certificate | None:
    """The certificate with this code, or None: anyone may ask, so the answer depends on nothing else."""
    return Certificate.objects.select_related("registration__applicant").filter(code=code).first()


def certificate_status(certificate: Certificate, *, today: date | None = None) -> CertificateStatus:
    registration = certificate.registration
    today = today or timezone.localdate()
    if registration.status == Status.REVOKED or _every_entry_revoked(registration):
        return CertificateStatus.REVOKED
    if registration.status == Status.WITHDRAWN:
        return CertificateStatus.WITHDRAWN
    if registration.status == Status.RENEWED:  # a renewal (a registration of its own) took over its approval
        return CertificateStatus.SUPERSEDED
    if registration.status == Status.EXPIRED or certificate.valid_until < today:
        return CertificateStatus.EXPIRED
    # Certificates of one registration are issued one at a time under its row lock: a newer one has a larger id.
    if registration.certificates.filter(pk__gt=certificate.pk).exists():
        return CertificateStatus.SUPERSEDED
    return CertificateStatus.VALID


def certificate_report(certificate: Certificate) -> CertificateReport:
    """The certificate's status, validity and entries: those approved now while it is valid, else those it
    certified (with their status now)."""
    status = certificate_status(certificate)
    shown = [Status.APPROVED] if status == CertificateStatus.VALID else CERTIFIED
    entries = certificate.registration.entries.filter(status__in=shown).order_by("id")
    listed = list(entries[:ENTRY_LIMIT])
    more = entries.count() - len(listed) if len(listed) == ENTRY_LIMIT else 0
    stood = status in {CertificateStatus.VALID, CertificateStatus.EXPIRED, CertificateStatus.SUPERSEDED}
    return CertificateReport(certificate, status, certificate.valid_until if stood else None, listed, more)


def _every_entry_revoked(registration: Registration) -> bool:
    statuses = set(registration.entries.filter(status__in=CERTIFIED).values_list("status", flat=True).distinct())
    return statuses == {Status.REVOKED}

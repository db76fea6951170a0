from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from vpn_records.models import Registration


def new_code() -> str:
    """128 random bits: the code is all a stranger needs to see the certificate, so it must not be guessable."""
    return secrets.token_urlsafe(16)


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")
    SUPERSEDED = "superseded", _("Superseded by a renewal")


class Certificate(models.Model):
    """What a registration's approval said when it was issued: one per approval period (a renewal issues another).

    Its status is never stored: it follows the registration and its entries when read.
    """

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="certificates"
    )
    code = models.CharField(_("verification code"), max_length=32, unique=True, default=new_code, editable=False)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    valid_until = models.DateField(_("valid until"))
    entry_count = models.PositiveIntegerField(_("approved entries"))

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        indexes = [
            # The registration's latest certificate, and whether a newer one supersedes a given one.
            models.Index(fields=["registration", "-issued_at", "-id"], name="certificate_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.registration.reference} ({self.issued_at:%Y-%m-%d})"

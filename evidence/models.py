"""Documents supporting a registration (CNIC, proof of work, certificates), kept outside every served folder."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from applicants.models import Applicant
from core.constraints import choice_check
from vpn_records.models import Purpose, Registration


class DocumentKind(models.TextChoices):
    CNIC_FRONT = "cnic_front", _("CNIC, front")
    CNIC_BACK = "cnic_back", _("CNIC, back")
    WORK_PROOF = "work_proof", _("Proof of work (a contract or a client's letter)")
    INCORPORATION = "incorporation", _("Certificate of incorporation")
    NTN_CERTIFICATE = "ntn_certificate", _("NTN certificate")
    AUTHORISATION_LETTER = "authorisation_letter", _("Authorisation letter")
    PSEB_CERTIFICATE = "pseb_certificate", _("PSEB registration certificate")
    COVERING_LETTER = "covering_letter", _("Covering letter")


class ContentType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


EXTENSION = {ContentType.PDF: "pdf", ContentType.JPEG: "jpg", ContentType.PNG: "png"}


@deconstructible
class DocumentStorage(FileSystemStorage):
    """Files under DOCUMENT_ROOT, read when used (so a test's setting applies); never given a URL."""

    @property
    def base_location(self) -> str:
        return str(settings.DOCUMENT_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def document_path(document: Document, _uploaded_name: str) -> str:
    """A name of ours: nothing the uploader chose reaches the disk, and the extension is the detected type."""
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{EXTENSION[ContentType(document.content_type)]}"


class Document(models.Model):
    """One file an applicant uploaded for a registration. Once its file is purged (retention) the row stays as
    the record of what was held."""

    Kind = DocumentKind

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("document"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, storage=DocumentStorage(), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=30, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    file_name = models.CharField(_("file name"), max_length=255)  # as uploaded, for display only
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    purged_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["registration", "kind", "uploaded_at"]
        constraints = [
            choice_check("kind", DocumentKind, "document_kind_valid"),
            choice_check("content_type", ContentType, "document_content_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.registration.reference}: {self.get_kind_display()}"

    @property
    def is_image(self) -> bool:
        return self.content_type in (ContentType.JPEG, ContentType.PNG)

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None


class DocumentView(models.Model):
    """Who of the staff opened a document, and when. Written, never edited."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("viewer"), on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="views")
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document view")
        verbose_name_plural = _("document views")
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.viewer} → {self.document_id} at {self.viewed_at:%Y-%m-%d %H:%M}"


class DocumentRequirement(models.Model):
    """A document a registration needs (or may have) before it is submitted; blank kind or purpose means any."""

    applicant_kind = models.CharField(
        _("applicant kind"), max_length=20, choices=Applicant.Kind.choices, blank=True, help_text=_("Blank: any.")
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, blank=True, help_text=_("Blank: any.")
    )
    kind = models.CharField(_("document"), max_length=30, choices=DocumentKind.choices)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")
        ordering = ["applicant_kind", "purpose", "kind"]
        constraints = [
            choice_check("kind", DocumentKind, "document_requirement_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(applicant_kind="") | models.Q(applicant_kind__in=Applicant.Kind.values),
                name="document_requirement_applicant_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose="") | models.Q(purpose__in=Purpose.values),
                name="document_requirement_purpose_valid",
            ),
            models.UniqueConstraint(fields=["applicant_kind", "purpose", "kind"], name="document_requirement_once"),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

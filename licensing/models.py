"""Class licences for VPN service providers: a company's application, its documents, every change to it, and the
licence it becomes once granted. Its gateways reach the whitelist as a vpn_records registration of their own."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.models import Applicant
from core.constraints import choice_check
from core.lifecycle import StatusRecord
from evidence.models import ContentType, DocumentStorage, document_path
from vpn_records.models import Registration


class LicenceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    INFORMATION_REQUESTED = "information_requested", _("Information requested")
    APPROVED = "approved", _("Licence granted")
    REJECTED = "rejected", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


# Closed for good: a company with none but these may apply again.
CLOSED = (LicenceStatus.REJECTED, LicenceStatus.WITHDRAWN, LicenceStatus.EXPIRED, LicenceStatus.REVOKED)


class Scope(models.TextChoices):
    NATIONWIDE = "nationwide", _("Nationwide")
    PROVINCES = "provinces", _("Named provinces and territories")


class Province(models.TextChoices):
    PUNJAB = "punjab", _("Punjab")
    SINDH = "sindh", _("Sindh")
    KPK = "kpk", _("Khyber Pakhtunkhwa")
    BALOCHISTAN = "balochistan", _("Balochistan")
    ICT = "ict", _("Islamabad Capital Territory")
    GB = "gb", _("Gilgit-Baltistan")
    AJK = "ajk", _("Azad Jammu and Kashmir")


class Clientele(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial clients only")
    PUBLIC = "public", _("The public")


class Recommendation(models.TextChoices):
    GRANT = "grant", _("Grant")
    REFUSE = "refuse", _("Refuse")


class LicenceApplication(models.Model):
    """A company's application for a class licence; once granted, the licence itself (its number and dates)."""

    Status = LicenceStatus

    applicant = models.ForeignKey(
        Applicant, verbose_name=_("company"), on_delete=models.PROTECT, related_name="licence_applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    trade_name = models.CharField(_("trade name"), max_length=200)
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    provinces = ArrayField(
        models.CharField(max_length=12, choices=Province.choices), verbose_name=_("provinces"), default=list, blank=True
    )
    clientele = models.CharField(_("clientele"), max_length=12, choices=Clientele.choices)
    data_centres = ArrayField(models.CharField(max_length=200), verbose_name=_("data centres in Pakistan"))
    # As canonical CIDR text; each passed the registrations' network checks when it was entered.
    gateways = ArrayField(models.CharField(max_length=50), verbose_name=_("gateway networks"))
    technical_contact_name = models.CharField(_("technical contact"), max_length=200)
    technical_contact_email = models.EmailField(_("technical contact's email"))
    technical_contact_mobile = models.CharField(_("technical contact's mobile number"), max_length=16)
    fee_reference = models.CharField(_("fee challan number"), max_length=50)
    fee = models.PositiveIntegerField(_("fee (rupees)"))
    status = models.CharField(_("status"), max_length=25, choices=LicenceStatus.choices, default=LicenceStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=10, choices=Recommendation.choices, blank=True, default=""
    )
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recommended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recommended_at = models.DateTimeField(_("recommended at"), null=True, blank=True)
    licence_number = models.CharField(_("licence number"), max_length=30, blank=True, default="")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    conditions = models.TextField(_("licence conditions"), blank=True)
    # The gateways as published on the whitelist while the licence holds.
    gateway_registration = models.ForeignKey(
        Registration,
        verbose_name=_("gateways on the whitelist"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("licence application")
        verbose_name_plural = _("licence applications")
        ordering = ["-created_at"]
        permissions = [
            ("recommend_licenceapplication", _("Can recommend licence applications")),
            ("grant_licenceapplication", _("Can grant, refuse, renew, suspend and revoke licences")),
        ]
        constraints = [
            choice_check("status", LicenceStatus, "licence_status_valid"),
            choice_check("scope", Scope, "licence_scope_valid"),
            choice_check("clientele", Clientele, "licence_clientele_valid"),
            models.CheckConstraint(
                condition=models.Q(scope=Scope.NATIONWIDE, provinces=[])
                | models.Q(scope=Scope.PROVINCES, provinces__len__gt=0, provinces__contained_by=Province.values),
                name="licence_provinces_match_scope",
            ),
            # One open application (or licence) per company, whatever the writers.
            models.UniqueConstraint(
                fields=["applicant"], condition=~models.Q(status__in=CLOSED), name="licence_one_open_per_company"
            ),
            models.UniqueConstraint(
                fields=["licence_number"], condition=~models.Q(licence_number=""), name="licence_number_unique"
            ),
            # Four eyes: the granter is never the recommender.
            models.CheckConstraint(
                condition=models.Q(granted_by__isnull=True)
                | models.Q(recommended_by__isnull=True)
                | ~models.Q(granted_by=models.F("recommended_by")),
                name="licence_granter_not_recommender",
            ),
        ]
        indexes = [
            # The admin's queue and the register: by status, oldest submission first.
            models.Index(fields=["status", "submitted_at"], name="licence_status_submitted"),
        ]

    def __str__(self) -> str:
        return self.licence_number or f"{self.trade_name} ({self.pk})"

    @property
    def provinces_display(self) -> list[str]:
        return [str(Province(code).label) for code in self.provinces]

    @property
    def scope_display(self) -> str:
        if self.scope == Scope.NATIONWIDE:
            return str(Scope.NATIONWIDE.label)
        return ", ".join(self.provinces_display)


class LicenceChange(StatusRecord):
    """One change of an application's or licence's status: who, when, why. Never edited."""

    application = models.ForeignKey(
        LicenceApplication, verbose_name=_("licence application"), on_delete=models.CASCADE, related_name="changes"
    )
    from_status = models.CharField(_("from"), max_length=25, choices=LicenceStatus.choices)
    to_status = models.CharField(_("to"), max_length=25, choices=LicenceStatus.choices)

    class Meta:
        verbose_name = _("licence change")
        verbose_name_plural = _("licence changes")
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_status} → {self.to_status}"


class LicenceDocumentKind(models.TextChoices):
    TECHNICAL_PROPOSAL = "technical_proposal", _("Technical proposal")
    UNDERTAKING = "undertaking", _("Undertaking")
    INCORPORATION = "incorporation", _("Certificate of incorporation")


class LicenceDocument(models.Model):
    """A file of a licence application, judged and stored as registrations' documents are (evidence)."""

    Kind = LicenceDocumentKind

    application = models.ForeignKey(
        LicenceApplication, verbose_name=_("licence application"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("document"), max_length=30, choices=LicenceDocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, storage=DocumentStorage(), max_length=200)
    content_type = models.CharField(_("type"), max_length=30, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    file_name = models.CharField(_("file name"), max_length=255)  # as uploaded, for display only
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("licence document")
        verbose_name_plural = _("licence documents")
        ordering = ["application", "kind", "uploaded_at"]
        constraints = [
            choice_check("kind", LicenceDocumentKind, "licence_document_kind_valid"),
            choice_check("content_type", ContentType, "licence_document_content_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.get_kind_display()}"

    @property
    def is_image(self) -> bool:
        return self.content_type in (ContentType.JPEG, ContentType.PNG)


class LicenceDocumentView(models.Model):
    """Who of the staff opened a licence document, and when. Written, never edited."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("viewer"), on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        LicenceDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="views"
    )
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("licence document view")
        verbose_name_plural = _("licence document views")
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.viewer} → {self.document_id} at {self.viewed_at:%Y-%m-%d %H:%M}"


class LicenceSequence(models.Model):
    """The last licence number handed out in a year: PTA-VPN-CL-2026-0001."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


def licence_number_text(year: int, number: int) -> str:
    return f"PTA-VPN-CL-{year}-{number:04d}"


class ProviderUse(models.Model):
    """An applicant's record that its VPN is a licensed provider's service: instead of a registration, which its
    traffic does not need (the provider's gateways are on the whitelist under the licence's number)."""

    applicant = models.ForeignKey(Applicant, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="+")
    licence = models.ForeignKey(
        LicenceApplication, verbose_name=_("licence"), on_delete=models.PROTECT, related_name="uses"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("use of a licensed provider")
        verbose_name_plural = _("uses of licensed providers")
        constraints = [models.UniqueConstraint(fields=["applicant", "licence"], name="provider_use_once")]

    def __str__(self) -> str:
        return f"{self.applicant_id} → {self.licence.licence_number}"

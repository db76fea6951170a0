"""A company's file of networks and its rows, processed by a worker into one registration."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applicants.models import Applicant
from core.bidi import isolate
from core.constraints import choice_check
from core.fields import CidrField
from vpn_records.models import NOTES_MAX_LENGTH, SITE_MAX_LENGTH, Isp, Purpose, Registration, VpnType


class UploadState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Processing")
    COMPLETED = "completed", _("Finished")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class UploadFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


def bulk_upload_path(upload: BulkUpload, _uploaded_name: str) -> str:
    """A name of ours: nothing the uploader chose reaches the disk, and the extension is the detected format."""
    return f"bulk-uploads/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{upload.file_format}"


class BulkUpload(models.Model):
    """A company's file of networks, processed in chunks by a worker into one registration.

    The job row is the state: a worker killed mid-file resumes after `processed_rows`, the last committed chunk.
    """

    State = UploadState
    Format = UploadFormat

    public_id = models.UUIDField(_("upload ID"), default=uuid.uuid4, unique=True, editable=False)
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="bulk_uploads"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=bulk_upload_path)
    file_name = models.CharField(_("file name"), max_length=255)  # as uploaded, for display only
    file_format = models.CharField(_("format"), max_length=4, choices=UploadFormat.choices)
    file_size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The batch: what every row's entry shares, unless a row says otherwise.
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    purpose_detail = models.TextField(_("purpose in your own words"), max_length=2000)
    isp = models.CharField(_("internet service provider"), max_length=20, choices=Isp.choices)
    isp_other = models.CharField(_("other ISP"), max_length=100, blank=True)
    vpn_type = models.CharField(_("VPN type"), max_length=20, choices=VpnType.choices)
    all_or_nothing = models.BooleanField(
        _("all or nothing"), default=False, help_text=_("Register nothing if any row has an error.")
    )
    state = models.CharField(_("state"), max_length=10, choices=UploadState.choices, default=UploadState.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    accepted_rows = models.PositiveIntegerField(_("rows accepted"), default=0)
    rejected_rows = models.PositiveIntegerField(_("rows rejected"), default=0)
    warning_rows = models.PositiveIntegerField(_("rows accepted with warnings"), default=0)
    # Why the whole file failed, as a message code and its parameters (uploads.FILE_MESSAGES).
    failure = models.JSONField(_("failure"), default=dict, blank=True)
    registration = models.OneToOneField(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bulk_upload",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Touched by each committed chunk and each publish; the sweeper re-publishes a job silent for too long.
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        db_table = "vpn_records_bulkupload"  # created before this app split from vpn_records
        verbose_name = _("bulk upload")
        verbose_name_plural = _("bulk uploads")
        ordering = ["-created_at"]
        constraints = [
            choice_check("state", UploadState, "bulk_upload_state_valid"),
            choice_check("purpose", Purpose, "bulk_upload_purpose_valid"),
            choice_check("isp", Isp, "bulk_upload_isp_valid"),
            choice_check("vpn_type", VpnType, "bulk_upload_vpn_type_valid"),
            # One file at a time per applicant: two jobs could otherwise both accept the same network.
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(state__in=["queued", "running"]),
                name="bulk_upload_one_active_per_applicant",
            ),
        ]
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="bulk_upload_applicant_recent"),
            models.Index(fields=["state", "heartbeat_at"], name="bulk_upload_state_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{isolate(self.file_name)} ({self.public_id})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("bulk_uploads:upload", kwargs={"public_id": self.public_id})

    @property
    def is_active(self) -> bool:
        return self.state in {self.State.QUEUED, self.State.RUNNING}

    @property
    def percent(self) -> int:
        if self.state == self.State.COMPLETED:
            return 100
        if not self.total_rows:
            return 0
        # 100 only once the registration exists: the last chunk stored is not yet the job finished.
        return min(99, self.processed_rows * 100 // self.total_rows)


class BulkUploadRow(models.Model):
    """A processed row of an upload: accepted (no errors) and waiting to become an entry, or rejected with why.

    Accepted rows move to `IpEntry` when the job finishes; rejected rows stay for the error report.
    """

    upload = models.ForeignKey(BulkUpload, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    network = CidrField(_("address or network"), null=True, blank=True)
    site = models.CharField(_("site"), max_length=SITE_MAX_LENGTH, blank=True)
    vpn_type = models.CharField(_("VPN type"), max_length=20, blank=True)
    notes = models.CharField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)
    findings = models.JSONField(_("verification findings"), default=list, blank=True)
    # [{"column", "code", "params", "value"}]; empty for an accepted row.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    accepted = models.BooleanField(_("accepted"))

    class Meta:
        db_table = "vpn_records_bulkuploadrow"
        verbose_name = _("bulk upload row")
        verbose_name_plural = _("bulk upload rows")
        ordering = ["upload", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "row_number"], name="bulk_row_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.upload_id}:{self.row_number}"

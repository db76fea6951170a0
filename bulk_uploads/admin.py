from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import PortalAdminMixin, ReadOnlyAdminMixin
from core.bidi import bdi_html
from core.paging import CappedCountPaginator

from .models import BulkUpload


@admin.register(BulkUpload)
class BulkUploadAdmin(ReadOnlyAdminMixin, PortalAdminMixin, admin.ModelAdmin):
    """Companies' uploaded files and how their jobs went; the registration they produced is reviewed as usual."""

    list_display = [
        "created_at", "original_name", "applicant", "state", "total_rows", "accepted_rows", "rejected_rows",
        "registration",
    ]  # fmt: skip
    list_filter = ["state", "file_format", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["applicant", "registration"]
    search_fields = ["file_name", "public_id", "registration__reference", "applicant__legal_name", "sha256"]
    # Not the stored file, whose name is ours; the uploader's name as shown everywhere else, isolated.
    fields = [
        "original_name", "file_format", "file_size", "sha256", "applicant", "uploaded_by", "purpose", "purpose_detail",
        "isp", "isp_other", "vpn_type", "all_or_nothing", "state", "total_rows", "processed_rows", "accepted_rows",
        "rejected_rows", "warning_rows", "failure", "registration", "started_at", "finished_at", "heartbeat_at",
    ]  # fmt: skip
    readonly_fields = ["original_name"]
    paginator = CappedCountPaginator
    show_full_result_count = False

    @admin.display(description=_("file name"), ordering="file_name")
    def original_name(self, upload: BulkUpload) -> str:
        return bdi_html(upload.file_name)

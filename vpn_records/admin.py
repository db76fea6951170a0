from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .checks import finding_message
from .models import DeniedNetwork, IpAllocation, IpEntry, Registration, StatusChange


def findings_html(findings: list[dict]) -> str:
    """Warnings and failures with what only staff may see, one per line."""
    shown = [f for f in findings if f["severity"] != "pass"]
    lines = [
        format_html("<strong>{}</strong>: {}", f["severity"], finding_message(f, staff=True, html=True)) for f in shown
    ]
    return mark_safe("<br>".join(lines)) if lines else "—"  # noqa: S308 - each line is escaped above


class IpEntryInline(admin.TabularInline):
    model = IpEntry
    fields = ["network", "status", "verification"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("verification"))
    def verification(self, entry: IpEntry) -> str:
        return findings_html(entry.reasons)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ["created_at", "subject", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["reference", "applicant", "purpose", "isp", "status", "submitted_at"]
    list_filter = ["status", "purpose", "isp", "vpn_type"]
    search_fields = ["reference"]
    readonly_fields = [
        "reference",
        "applicant",
        "created_by",
        "status",
        "submitted_at",
        "decided_at",
        "valid_until",
        "identity",
        "verification_dispatched_at",
    ]
    inlines = [IpEntryInline, StatusChangeInline]
    show_full_result_count = False

    @admin.display(description=_("identity checks"))
    def identity(self, registration: Registration) -> str:
        return findings_html(registration.identity_findings)


@admin.register(DeniedNetwork)
class DeniedNetworkAdmin(admin.ModelAdmin):
    list_display = ["network", "reason", "created_by", "created_at"]
    search_fields = ["reason"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(IpAllocation)
class IpAllocationAdmin(admin.ModelAdmin):
    list_display = ["network", "country", "registry", "status", "allocated_on"]
    list_filter = ["registry", "status"]
    show_full_result_count = False

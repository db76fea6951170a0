from django.contrib import admin

from .models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read only: certificates are issued by approvals and renewals, never by hand."""

    list_display = ["registration", "issued_at", "valid_until", "entry_count"]
    search_fields = ["registration__reference"]
    list_select_related = ["registration"]
    readonly_fields = ["registration", "code", "issued_at", "valid_until", "entry_count"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

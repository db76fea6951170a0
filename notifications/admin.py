from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_mixins import PortalAdminMixin

from .models import Notification
from .services import notifications_resend


@admin.register(Notification)
class NotificationAdmin(PortalAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "event", "channel", "to_address", "language", "status", "attempts", "last_error"]
    list_filter = ["status", "channel", "event", "language"]
    search_fields = ["to_address", "idempotency_key"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["resend"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description=_("Send the selected messages again"), permissions=["resend"])
    def resend(self, request, queryset):
        count = notifications_resend(notification_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count) % {"count": count},
        )

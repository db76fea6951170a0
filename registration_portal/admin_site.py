"""The staff admin: with STAFF_2FA_REQUIRED, only staff verified by a one-time password get in."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm


class PortalAdminSite(admin.AdminSite):
    site_header = _("VPN Registration Portal — staff")
    site_title = _("VPN Registration Portal")

    def has_permission(self, request) -> bool:
        verified = not settings.STAFF_2FA_REQUIRED or request.user.is_verified()
        return super().has_permission(request) and verified

    def get_urls(self):
        from django.urls import path

        return [path("dashboard/", self.admin_view(self.dashboard_view), name="dashboard"), *super().get_urls()]

    def dashboard_view(self, request):
        """Counts by status, the daily flow of submissions and decisions, and how long decisions take."""
        from vpn_records.selectors import review_stats

        if not request.user.has_perm("vpn_records.view_registration"):
            raise PermissionDenied
        stats = review_stats()
        peak = max([1, *(max(submitted, decided) for _day, submitted, decided in stats.days)])
        bars = [
            {"x": index * 10, "day": day, "submitted": submitted, "decided": decided,
             "submitted_height": round(100 * submitted / peak), "decided_height": round(100 * decided / peak)}
            for index, (day, submitted, decided) in enumerate(stats.days)
        ]  # fmt: skip
        context = {
            **self.each_context(request),
            "title": _("Review dashboard"),
            "stats": stats,
            "bars": bars,
            "chart_width": len(bars) * 10,
        }
        return TemplateResponse(request, "admin/dashboard.html", context)

    def password_change(self, request, extra_context=None):
        # One password change for everyone, which asks staff for their one-time password too.
        return redirect("applicants:password_change")

    @property
    def login_form(self):  # type: ignore[override]  # a property: tests switch STAFF_2FA_REQUIRED
        return OTPAdminAuthenticationForm if settings.STAFF_2FA_REQUIRED else AdminAuthenticationForm

    @property
    def login_template(self):  # type: ignore[override]
        return "otp/admin111/login.html" if settings.STAFF_2FA_REQUIRED else None

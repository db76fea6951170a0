"""The staff admin: with STAFF_2FA_REQUIRED, only staff verified by a one-time password get in."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp.admin import OTPAdminAuthenticationForm


class PortalAdminSite(admin.AdminSite):
    site_header = "VPN Registration Portal — staff"
    site_title = "VPN Registration Portal"

    def has_permission(self, request) -> bool:
        verified = not settings.STAFF_2FA_REQUIRED or request.user.is_verified()
        return super().has_permission(request) and verified

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.STAFF_2FA_REQUIRED else AdminAuthenticationForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.STAFF_2FA_REQUIRED else None

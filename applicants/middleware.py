"""Staff authority in a browser comes only from a session that has passed the one-time password."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django_otp.middleware import OTPMiddleware


class StaffOtpMiddleware(OTPMiddleware):
    """django-otp's middleware, and then: with STAFF_2FA_REQUIRED, a staff session that has not passed the
    one-time password is anonymous everywhere (the admin, the API's session authentication, every page), not only
    in the admin, so no path reaches staff powers with a password alone."""

    def _verify_user_sync(self, request, user):
        return self._without_unverified_staff(super()._verify_user_sync(request, user))

    async def _verify_user_async_via_auser(self, request, auser):
        return self._without_unverified_staff(await super()._verify_user_async_via_auser(request, auser))

    def _without_unverified_staff(self, user):
        if settings.STAFF_2FA_REQUIRED and user.is_authenticated and user.is_staff_account and not user.is_verified():
            user = AnonymousUser()
            self._init_user_fields(user)
        return user

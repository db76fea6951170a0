"""How often one client address may check certificates, the page and the API together: codes are unguessable,
and this keeps anyone from trying."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from core.client_address import client_address
from core.rate_limits import ThrottleVerdict, throttle_count


def verify_count(request: HttpRequest) -> ThrottleVerdict | None:
    """Count one check from this client against CERTIFICATE_VERIFY_RATE; None when there is no limit."""
    return throttle_count("certificate_verify", client_address(request), rate=settings.CERTIFICATE_VERIFY_RATE)


class VerifyThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        self.verdict = verify_count(request)
        return self.verdict is None or self.verdict.allowed

    def wait(self) -> float | None:
        return None if self.verdict is None else self.verdict.retry_after

"""Rate limits on the account actions a stranger can repeat: sign-up, confirmation and reset emails, API tokens,
and changes that check the current password. Counted per account and per client address."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from core.client_address import client_address
from core.errors import PortalError
from core.rate_limits import throttle_count


class TooManyAttempts(PortalError):
    status_code = 429

    def __init__(self, retry_after: int):
        minutes = max(1, -(-retry_after // 60))
        message = ngettext(
            "Too many attempts. Please wait %(minutes)d minute and try again.",
            "Too many attempts. Please wait %(minutes)d minutes and try again.",
            minutes,
        ) % {"minutes": minutes}
        super().__init__(message, code="throttled")
        self.retry_after = retry_after


def count_attempt(request: HttpRequest, *, action: str, email: str = "") -> None:
    """Count one attempt at `action` from this client and, when an email is given, for that account; raise
    TooManyAttempts past ACCOUNT_RATE_PER_ADDRESS or ACCOUNT_RATE_PER_ACCOUNT."""
    verdicts = [throttle_count(f"{action}:address", client_address(request), rate=settings.ACCOUNT_RATE_PER_ADDRESS)]
    if email:
        # The key names no email: Redis keys are not where personal data belongs.
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        verdicts.append(throttle_count(f"{action}:account", account, rate=settings.ACCOUNT_RATE_PER_ACCOUNT))
    waits = [verdict.retry_after for verdict in verdicts if verdict is not None and not verdict.allowed]
    if waits:
        raise TooManyAttempts(max(waits))


def too_many_attempts_page(request: HttpRequest, refused: TooManyAttempts) -> HttpResponse:
    response = render(request, "applicants/too_many_attempts.html", {"message": refused.message}, status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def support(request: HttpRequest) -> dict:
    """Where to get help, for every page's footer (SUPPORT_EMAIL, SUPPORT_PHONE)."""
    return {"SUPPORT_EMAIL": settings.SUPPORT_EMAIL, "SUPPORT_PHONE": settings.SUPPORT_PHONE}

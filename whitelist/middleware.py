"""Middleware of the registration records."""

from __future__ import annotations

from django.urls import reverse

from .api import check_fast


class WhitelistCheckFastPath:
    """Answers operators' whitelist checks before the rest of the middleware, which a token-authenticated GET that
    says nothing in words does not need (sessions, language, CSRF, messages, login lockouts). What check_fast
    does not serve goes on through the whole stack."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.path: str | None = None

    def __call__(self, request):
        if self.path is None:
            self.path = reverse("api:whitelist-check")
        if request.method == "GET" and request.path_info == self.path:
            response = check_fast(request)
            if response is not None:
                return response
        return self.get_response(request)

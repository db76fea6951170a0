"""The request as views see it, for the type checker: Django's, with what our middleware and decorators add."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from .rate_limits import ThrottleVerdict


class PortalRequest(HttpRequest):
    htmx: HtmxDetails  # django-htmx's middleware, on every request
    upload_too_large: bool  # upload_limits, on the views it guards
    throttle_verdict: ThrottleVerdict | None  # the whitelist check's fast path, on the requests it counted

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from applicants.http import SignedInRequest, applicant_required
from core.errors import PortalError
from vpn_records.selectors import registration_get_for_user

from . import selectors
from .downloads import certificate_download
from .throttles import verify_count


@applicant_required
@require_GET
def certificate_pdf(request: SignedInRequest, reference: str) -> HttpResponseBase:
    registration = registration_get_for_user(user=request.user, reference=reference)
    try:
        return certificate_download(request, registration=registration, user=request.user)
    except PortalError as error:
        context = {"registration": registration, "message": error.message}
        return render(request, "certificates/unavailable.html", context, status=error.status_code)


@never_cache
@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: no sign-in. Counted before the lookup, so a known and an unknown code take the same path."""
    verdict = verify_count(request)
    if verdict is not None and not verdict.allowed:
        minutes = max(1, -(-verdict.retry_after // 60))
        message = ngettext(
            "Too many checks from your network. Please wait %(minutes)d minute and try again.",
            "Too many checks from your network. Please wait %(minutes)d minutes and try again.",
            minutes,
        ) % {"minutes": minutes}
        response = render(request, "certificates/too_many_checks.html", {"message": message}, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    certificate = selectors.certificate_find(code=code)
    if certificate is None:
        return render(request, "certificates/unknown.html", status=404)
    return render(request, "certificates/verify.html", {"report": selectors.certificate_report(certificate)})

"""The certificate's download, shared by the page and the API: which language, and the response itself."""

from __future__ import annotations

import io

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from applicants.models import User
from core.errors import PortalError
from vpn_records.models import Registration

from . import selectors, services
from .hooks import verify_url
from .pdf import certificate_pdf

LANGUAGES = ("en", "ur")


def pdf_language(request: HttpRequest, user: User) -> str:
    """`?lang=en|ur`; else what the request asks for (the language cookie, Accept-Language); else the user's."""
    asked = request.GET.get("lang")
    if asked is not None:
        if asked not in LANGUAGES:
            raise PortalError(_("Choose the certificate's language: en or ur."), code="invalid", field="lang")
        return asked
    negotiated = translation.get_language()
    if negotiated in LANGUAGES and (
        "HTTP_ACCEPT_LANGUAGE" in request.META or settings.LANGUAGE_COOKIE_NAME in request.COOKIES
    ):
        return negotiated
    return user.language if user.language in LANGUAGES else "en"


def certificate_download(request: HttpRequest, *, registration: Registration, user: User) -> FileResponse:
    """The registration's certificate as a PDF attachment; ConflictError (409) unless its approval stands."""
    language = pdf_language(request, user)
    certificate = services.certificate_for_download(registration=registration)
    report = selectors.certificate_report(certificate)
    body = certificate_pdf(report, verify_url=verify_url(certificate), language=language)
    response = FileResponse(
        io.BytesIO(body),
        as_attachment=True,
        filename=f"{registration.reference}-certificate-{language}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

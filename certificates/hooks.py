"""What this app adds to vpn_records' flows through vpn_records.extensions (see apps.py)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from vpn_records.models import Registration, Status

from . import selectors, services
from .models import Certificate

LINK_NAMES = {
    "certificate_url": _(
        "The certificate as a PDF (`?lang=en` or `ur`) while the registration is approved; null otherwise."
    ),
    "verify_url": _("The public page that verifies its latest certificate; null until one is issued."),
}


def issue_on_approval(registration: Registration) -> None:
    if registration.status == Status.APPROVED:
        services.certificate_issue(registration=registration)


def verify_url(certificate: Certificate, request: HttpRequest | None = None) -> str:
    """The verification page's absolute URL, as a QR code or a link carries it."""
    path = reverse("certificates:verify", args=[certificate.code])
    return request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path


def certificate_links(request: HttpRequest | None, registration: Registration) -> dict[str, str | None]:
    certificate = selectors.certificate_latest(registration=registration)
    download = None
    if selectors.certificate_downloadable(registration=registration):
        path = reverse("api:registration-certificate", args=[registration.reference])
        download = request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path
    return {
        "certificate_url": download,
        "verify_url": verify_url(certificate, request) if certificate is not None else None,
    }


def certificate_panel(request: HttpRequest, registration: Registration, editable: bool) -> SafeString:
    """On the registration's page: the certificate in either language, and where anyone can check it."""
    certificate = selectors.certificate_latest(registration=registration)
    downloadable = selectors.certificate_downloadable(registration=registration)
    if editable or (certificate is None and not downloadable):
        return SafeString("")
    context = {
        "registration": registration,
        "certificate": certificate,
        "downloadable": downloadable,
        "verify_url": verify_url(certificate, request) if certificate is not None else "",
    }
    return render_to_string("certificates/_panel.html", context, request=request)

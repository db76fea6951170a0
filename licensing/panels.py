"""What licensing shows on vpn_records' pages (through vpn_records.extensions, which never imports it)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from applicants.models import Applicant

from .selectors import licences_on_register


def provider_panel(request: HttpRequest, applicant: Applicant) -> SafeString:
    """On the registration form: a licensed provider's customers need no registration; they may record it instead."""
    if not licences_on_register().exists():
        return SafeString("")
    return SafeString(render_to_string("licensing/_provider_panel.html", request=request))

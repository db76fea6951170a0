from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from applicants.http import SignedInRequest, applicant_required
from evidence.models import EXTENSION, ContentType

from . import selectors, services


@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """Public: the licences in force, with no personal data."""
    response = render(request, "licensing/register.html", {"licences": selectors.licences_on_register()})
    response["Cache-Control"] = "public, max-age=60"
    return response


@applicant_required
@require_GET
def mine(request: SignedInRequest) -> HttpResponse:
    """The company's licence applications and licences, with their documents."""
    applications = selectors.licence_applications_of(user=request.user).prefetch_related("documents")
    return render(request, "licensing/mine.html", {"applications": applications})


@login_required
@require_GET
def document_file(request: SignedInRequest, application_id: int, document_id: int) -> HttpResponseBase:
    """The file, to the company's members and to staff allowed to view documents (each staff view recorded)."""
    document = selectors.licence_document_get_for_viewer(
        user=request.user, application_id=application_id, document_id=document_id
    )
    if selectors.is_document_staff(request.user):
        services.licence_document_viewed(document=document, viewer=request.user)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("No such document.")) from None
    download_name = f"licence-{application_id}-{document.kind}.{EXTENSION[ContentType(document.content_type)]}"
    response = FileResponse(
        handle, as_attachment=not document.is_image, filename=download_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from applicants.http import SignedInRequest, applicant_required
from core.errors import PortalError
from core.upload_limits import limit_upload_size
from vpn_records.selectors import registration_get_for_user

from . import selectors, services
from .files import too_large_error
from .forms import DocumentForm
from .models import EXTENSION, ContentType


@limit_upload_size(lambda: settings.DOCUMENT_MAX_BYTES)
@applicant_required
@require_POST
def document_upload(request: SignedInRequest, reference: str) -> HttpResponse:
    """The upload form of the check-your-answers page; its answer is shown there."""
    registration = registration_get_for_user(user=request.user, reference=reference)
    form = DocumentForm(request.POST, request.FILES)
    try:
        if request.upload_too_large:
            raise too_large_error()
        if not form.is_valid():
            raise PortalError(" ".join(str(e) for errors in form.errors.values() for e in errors))
        document = services.document_add(
            registration=registration, user=request.user, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"]
        )
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(document)s uploaded.") % {"document": document.get_kind_display()})
    return redirect("vpn_records:review", reference=reference)


@applicant_required
@require_POST
def document_delete(request: SignedInRequest, reference: str, document_id: int) -> HttpResponse:
    registration = registration_get_for_user(user=request.user, reference=reference)
    document = selectors.document_get_for_user(registration=registration, document_id=document_id)
    try:
        services.document_delete(document=document, user=request.user)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(document)s removed.") % {"document": document.get_kind_display()})
    return redirect("vpn_records:review", reference=reference)


@login_required
@require_GET
def document_file(request: SignedInRequest, reference: str, document_id: int) -> HttpResponseBase:
    """The file, to the applicant's members and to staff allowed to view documents (each staff view recorded).

    Pictures, which we encoded ourselves, are shown inline; a PDF is always a download."""
    document = selectors.document_get_for_viewer(user=request.user, reference=reference, document_id=document_id)
    if selectors.is_document_staff(request.user):
        services.document_viewed(document=document, viewer=request.user)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("No such document.")) from None
    download_name = f"{reference}-{document.kind}.{EXTENSION[ContentType(document.content_type)]}"
    response = FileResponse(
        handle, as_attachment=not document.is_image, filename=download_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

"""The company's pages for uploading a file of networks and following its job."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from applicants.http import SignedInRequest, applicant_required
from core.errors import PortalError
from core.upload_limits import limit_upload_size

from . import selectors, services
from .forms import BulkUploadForm
from .templates_files import template_file


@limit_upload_size(lambda: settings.BULK_UPLOAD_MAX_BYTES)
@applicant_required
@require_http_methods(["GET", "POST"])
def upload_new(request: SignedInRequest) -> HttpResponse:
    if request.user.applicant is None or not request.user.applicant.is_company:
        messages.info(request, _("Bulk upload is for company accounts; register your addresses with this form."))
        return redirect("vpn_records:new")
    if request.method == "POST":
        form = BulkUploadForm(request.POST, request.FILES, too_large=request.upload_too_large)
    else:
        form = BulkUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            upload = services.bulk_upload_create(user=request.user, **form.cleaned_data)
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect(upload)
    uploads = selectors.bulk_uploads_for_user(user=request.user)[:10]
    return render(request, "bulk_uploads/new.html", {"form": form, "uploads": uploads})


@applicant_required
def upload_detail(request: SignedInRequest, public_id) -> HttpResponse:
    """The job's page; htmx polls it for the progress panel alone until the job ends."""
    upload = selectors.bulk_upload_get_for_user(user=request.user, public_id=public_id)
    context = {"upload": upload, "failure": services.failure_message(upload)}
    if request.htmx:
        return render(request, "bulk_uploads/_progress.html", context)
    return render(request, "bulk_uploads/upload.html", context)


@applicant_required
@require_POST
def upload_cancel(request: SignedInRequest, public_id) -> HttpResponse:
    upload = selectors.bulk_upload_get_for_user(user=request.user, public_id=public_id)
    try:
        services.bulk_upload_cancel(upload=upload, user=request.user)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The upload was cancelled; nothing from it was registered."))
    return redirect(upload)


@applicant_required
def upload_errors(request: SignedInRequest, public_id) -> StreamingHttpResponse:
    """The rows that were refused, as CSV safe to open in a spreadsheet."""
    upload = selectors.bulk_upload_get_for_user(user=request.user, public_id=public_id)
    return services.error_report_response(upload)


@applicant_required
def upload_template(request: SignedInRequest, file_format: str) -> HttpResponse:
    if file_format not in {"csv", "xlsx"}:
        raise Http404("No such template.")
    content, content_type = template_file(file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="vpn-ip-upload-template.{file_format}"'
    return response

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from applicants.http import SignedInRequest
from core.errors import PortalError
from core.upload_limits import limit_upload_size

from . import bulk, selectors, services
from .forms import BulkUploadForm, RegistrationForm, WithdrawForm
from .templates_files import template_file


def _applicant_required(view):
    @login_required
    def wrapped(request: SignedInRequest, *args, **kwargs) -> HttpResponse:
        if request.user.applicant_id is None:
            messages.info(request, _("Staff accounts review registrations in the admin."))
            return redirect("admin:index")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@_applicant_required
def dashboard(request: SignedInRequest) -> HttpResponse:
    registrations = selectors.registration_list_for_user(user=request.user)
    page = Paginator(registrations, 25).get_page(request.GET.get("page"))
    return render(request, "vpn_records/dashboard.html", {"page": page})


@_applicant_required
@require_http_methods(["GET", "POST"])
def registration_new(request: SignedInRequest) -> HttpResponse:
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_create(user=request.user, **form.cleaned_data)
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("vpn_records:review", reference=registration.reference)
    return render(request, "vpn_records/registration_form.html", {"form": form, "registration": None})


@_applicant_required
@require_http_methods(["GET", "POST"])
def registration_edit(request: SignedInRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    if not registration.is_editable:
        messages.error(request, _("%(reference)s can no longer be changed.") % {"reference": reference})
        return redirect(registration)
    form = RegistrationForm(
        request.POST if request.method == "POST" else None, initial=RegistrationForm.initial_for(registration)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_update(registration=registration, user=request.user, **form.cleaned_data)
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("vpn_records:review", reference=reference)
    return render(request, "vpn_records/registration_form.html", {"form": form, "registration": registration})


@_applicant_required
def registration_review(request: SignedInRequest, reference: str) -> HttpResponse:
    """Check your answers before submitting."""
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    if not registration.is_editable:
        return redirect(registration)
    return render(request, "vpn_records/review.html", {"registration": registration})


@_applicant_required
@require_POST
def registration_submit(request: SignedInRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    try:
        services.registration_submit(registration=registration, user=request.user)
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("vpn_records:review", reference=reference)
    return redirect("vpn_records:submitted", reference=reference)


@_applicant_required
def registration_submitted(request: SignedInRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    return render(request, "vpn_records/submitted.html", {"registration": registration})


@_applicant_required
def registration_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    entries = Paginator(registration.entries.order_by("id"), 200).get_page(request.GET.get("page"))
    upload = selectors.bulk_upload_of_registration(registration=registration)
    return render(
        request,
        "vpn_records/detail.html",
        {"registration": registration, "entries": entries, "upload": upload, "from_upload": upload is not None},
    )


@_applicant_required
@require_http_methods(["GET", "POST"])
def registration_withdraw(request: SignedInRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_withdraw(
                registration=registration, user=request.user, reason=form.cleaned_data["reason"]
            )
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(reference)s has been withdrawn.") % {"reference": reference})
        return redirect(registration)
    return render(request, "vpn_records/withdraw.html", {"registration": registration, "form": form})


@limit_upload_size(lambda: settings.BULK_UPLOAD_MAX_BYTES)
@_applicant_required
@require_http_methods(["GET", "POST"])
def bulk_upload_new(request: SignedInRequest) -> HttpResponse:
    if request.user.applicant is None or not request.user.applicant.is_company:
        messages.info(request, _("Bulk upload is for company accounts; register your addresses with this form."))
        return redirect("vpn_records:new")
    if request.method == "POST":
        form = BulkUploadForm(request.POST, request.FILES, too_large=request.upload_too_large)
    else:
        form = BulkUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            upload = bulk.bulk_upload_create(user=request.user, **form.cleaned_data)
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect(upload)
    uploads = selectors.bulk_uploads_for_user(user=request.user)[:10]
    return render(request, "vpn_records/bulk_upload_new.html", {"form": form, "uploads": uploads})


@_applicant_required
def bulk_upload_detail(request: SignedInRequest, public_id) -> HttpResponse:
    """The job's page; htmx polls it for the progress panel alone until the job ends."""
    upload = selectors.bulk_upload_get_for_user(user=request.user, public_id=public_id)
    context = {"upload": upload, "failure": bulk.failure_message(upload)}
    if request.htmx:
        return render(request, "vpn_records/_bulk_progress.html", context)
    return render(request, "vpn_records/bulk_upload.html", context)


@_applicant_required
@require_POST
def bulk_upload_cancel(request: SignedInRequest, public_id) -> HttpResponse:
    upload = selectors.bulk_upload_get_for_user(user=request.user, public_id=public_id)
    try:
        bulk.bulk_upload_cancel(upload=upload, user=request.user)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The upload was cancelled; nothing from it was registered."))
    return redirect(upload)


@_applicant_required
def bulk_upload_errors(request: SignedInRequest, public_id) -> StreamingHttpResponse:
    """The rows that were refused, as CSV safe to open in a spreadsheet."""
    upload = selectors.bulk_upload_get_for_user(user=request.user, public_id=public_id)
    return bulk.error_report_response(upload)


@_applicant_required
def bulk_upload_template(request: SignedInRequest, file_format: str) -> HttpResponse:
    if file_format not in {"csv", "xlsx"}:
        raise Http404("No such template.")
    content, content_type = template_file(file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="vpn-ip-upload-template.{file_format}"'
    return response

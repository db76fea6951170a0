from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applicants.http import SignedInRequest, applicant_required
from core.bidi import isolate
from core.errors import ForbiddenError, PortalError
from core.upload_limits import limit_upload_size
from evidence.files import too_large_error
from evidence.models import EXTENSION, ContentType

from . import selectors, services
from .forms import LicenceApplicationForm, LicenceDocumentForm, LicenceWithdrawForm
from .models import LicenceApplication, LicenceDocumentKind, LicenceStatus
from .workflow import LIFECYCLE


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
    return render(request, "licensing/mine.html", {"applications": applications, "is_company": _is_company(request)})


def _is_company(request: SignedInRequest) -> bool:
    try:
        selectors.licence_company_id_for(user=request.user)
    except ForbiddenError:
        return False
    return True


@applicant_required
@require_http_methods(["GET", "POST"])
def application_new(request: SignedInRequest) -> HttpResponse:
    """Start an application: a company account only; anyone else is told why not."""
    try:
        selectors.licence_company_id_for(user=request.user)
    except ForbiddenError as error:
        return render(request, "licensing/company_only.html", {"message": error.message}, status=403)
    form = LicenceApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.licence_application_create(user=request.user, **form.service_arguments())
        except PortalError as error:
            form.add_service_error(error)
        else:
            return redirect("licensing:application", application_id=application.pk)
    return render(request, "licensing/application_form.html", {"form": form})


def _application_page(
    request: SignedInRequest,
    application: LicenceApplication,
    *,
    form: LicenceDocumentForm | None = None,
    page_errors: tuple[dict[str, str], ...] = (),
    status: int = 200,
) -> HttpResponse:
    documents = list(selectors.licence_documents_of(application=application))
    checklist = [(kind, [d for d in documents if d.kind == kind]) for kind in LicenceDocumentKind]
    context = {
        "application": application,
        "checklist": checklist,
        "changes": application.changes.order_by("id"),
        "editable": application.status in services.EDITABLE,
        "can_withdraw": LIFECYCLE.can(application.status, LicenceStatus.WITHDRAWN),
        "form": form or LicenceDocumentForm(),
        "page_errors": page_errors,
        "max_mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "licensing/application.html", context, status=status)


@applicant_required
@require_GET
def application_detail(request: SignedInRequest, application_id: int) -> HttpResponse:
    """The application: its status and fee, the documents (uploaded here while it is editable), Submit,
    Withdraw, and the history of its changes with their reasons."""
    application = selectors.licence_application_get_for_user(user=request.user, application_id=application_id)
    return _application_page(request, application)


@limit_upload_size(lambda: settings.DOCUMENT_MAX_BYTES)
@applicant_required
@require_POST
def document_upload(request: SignedInRequest, application_id: int) -> HttpResponse:
    application = selectors.licence_application_get_for_user(user=request.user, application_id=application_id)
    form = LicenceDocumentForm(request.POST, request.FILES)
    if request.upload_too_large:
        form.add_error("file", too_large_error().message)
    elif form.is_valid():
        try:
            document = services.licence_document_add(application=application, user=request.user, **form.cleaned_data)
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else "file", error.message)
        else:
            messages.success(request, _("%(document)s uploaded.") % {"document": document.get_kind_display()})
            return redirect("licensing:application", application_id=application.pk)
    return _application_page(request, application, form=form, status=400)


@applicant_required
@require_POST
def application_submit(request: SignedInRequest, application_id: int) -> HttpResponse:
    application = selectors.licence_application_get_for_user(user=request.user, application_id=application_id)
    try:
        services.licence_application_submit(application=application, user=request.user)
    except PortalError as error:
        target = "documents" if error.field == "documents" else ""
        return _application_page(request, application, page_errors=({"message": error.message, "target": target},))
    messages.success(request, _("Your application is submitted. We will tell you of each step by email."))
    return redirect("licensing:application", application_id=application.pk)


@applicant_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request: SignedInRequest, application_id: int) -> HttpResponse:
    application = selectors.licence_application_get_for_user(user=request.user, application_id=application_id)
    form = LicenceWithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.licence_application_withdraw(
                application=application, user=request.user, reason=form.cleaned_data["reason"]
            )
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The application for %(name)s is withdrawn.") % {"name": isolate(application.trade_name)}
            )
        return redirect("licensing:application", application_id=application.pk)
    return render(request, "licensing/withdraw.html", {"application": application, "form": form})


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

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from applicants.http import SignedInRequest, applicant_required
from core.errors import PortalError

from . import selectors, services
from .extensions import form_panels, registration_panels
from .forms import RegistrationForm, WithdrawForm


@applicant_required
def dashboard(request: SignedInRequest) -> HttpResponse:
    registrations = selectors.registration_list_for_user(user=request.user)
    page = Paginator(registrations, 25).get_page(request.GET.get("page"))
    return render(request, "vpn_records/dashboard.html", {"page": page})


@applicant_required
@require_http_methods(["GET", "POST"])
def registration_new(request: SignedInRequest) -> HttpResponse:
    form = RegistrationForm(request.POST if request.method == "POST" else None, initial={"form_token": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        token = fields.pop("form_token")
        try:
            registration = services.registration_create(user=request.user, client_token=token, **fields)
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("vpn_records:review", reference=registration.reference)
    panels = form_panels(request, request.user.applicant)
    return render(request, "vpn_records/registration_form.html", {"form": form, "registration": None, "panels": panels})


@applicant_required
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
        fields = dict(form.cleaned_data)
        fields.pop("form_token")
        try:
            services.registration_update(registration=registration, user=request.user, **fields)
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("vpn_records:review", reference=reference)
    panels = form_panels(request, request.user.applicant)
    context = {"form": form, "registration": registration, "panels": panels}
    return render(request, "vpn_records/registration_form.html", context)


@applicant_required
def registration_review(request: SignedInRequest, reference: str) -> HttpResponse:
    """Check your answers before submitting."""
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    if not registration.is_editable:
        return redirect(registration)
    panels = registration_panels(request, registration, editable=True)
    return render(request, "vpn_records/review.html", {"registration": registration, "panels": panels})


@applicant_required
@require_POST
def registration_submit(request: SignedInRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    if not registration.is_editable:  # submitted already: Back, then Submit again, or a double click
        return redirect("vpn_records:submitted", reference=reference)
    try:
        services.registration_submit(registration=registration, user=request.user)
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("vpn_records:review", reference=reference)
    return redirect("vpn_records:submitted", reference=reference)


@applicant_required
def registration_submitted(request: SignedInRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    context = {"registration": registration, "approval_days": settings.APPROVAL_VALIDITY_DAYS}
    return render(request, "vpn_records/submitted.html", context)


@applicant_required
def registration_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    entries = Paginator(registration.entries.order_by("id"), 200).get_page(request.GET.get("page"))
    upload = getattr(registration, "bulk_upload", None)  # bulk_uploads' reverse relation: no import of it here
    context = {
        "registration": registration,
        "entries": entries,
        "upload": upload,
        "from_upload": upload is not None,
        "panels": registration_panels(request, registration, editable=False),
    }
    return render(request, "vpn_records/detail.html", context)


@applicant_required
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

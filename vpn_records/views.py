from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from applicants.http import SignedInRequest, applicant_required
from core.bidi import isolate
from core.client_address import client_address
from core.errors import PortalError

from . import proofs, selectors, services
from .extensions import form_panels, registration_panels
from .forms import NumberCodeForm, RegistrationForm, RenewalForm, ReplaceForm, WithdrawForm
from .models import Status
from .msisdn import mask_msisdn


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


# An error message with this tag is shown on check your answers as GOV.UK's error summary; its other tag names
# the element the summary links to.
ERROR_SUMMARY = "summary"


@dataclass(frozen=True)
class PageError:
    message: str
    target: str


@applicant_required
def registration_review(request: SignedInRequest, reference: str) -> HttpResponse:
    """Check your answers before submitting: prove the mobile numbers, upload the documents, submit."""
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    if not registration.is_editable:
        return redirect(registration)
    notices, page_errors = [], []
    for message in messages.get_messages(request):
        tags = message.extra_tags.split()
        if ERROR_SUMMARY in tags:
            page_errors.append(PageError(str(message), next((t for t in tags if t != ERROR_SUMMARY), "")))
        else:
            notices.append(message)
    errors = {error.target: error.message for error in page_errors}
    numbers = [
        (number, errors.get(f"code-{number.entry.pk}") or errors.get(f"number-{number.entry.pk}"))
        for number in selectors.numbers_to_prove(registration=registration)
    ]
    context = {
        "registration": registration,
        "numbers": numbers,
        "panels": registration_panels(request, registration, editable=True),
        "page_errors": page_errors,
        "messages": notices,
    }
    return render(request, "vpn_records/review.html", context)


def _back_to_review(request: SignedInRequest, reference: str, error: PortalError | None = None, target: str = ""):
    if error is not None:
        messages.error(request, error.message, extra_tags=f"{ERROR_SUMMARY} {target}")
    return redirect("vpn_records:review", reference=reference)


@applicant_required
@require_POST
def registration_submit(request: SignedInRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    if not registration.is_editable:  # submitted already: Back, then Submit again, or a double click
        return redirect("vpn_records:submitted", reference=reference)
    try:
        services.registration_submit(registration=registration, user=request.user)
    except PortalError as error:
        return _back_to_review(request, reference, error, "numbers" if error.code == "msisdn_not_proved" else "")
    return redirect("vpn_records:submitted", reference=reference)


@applicant_required
@require_POST
def number_code_send(request: SignedInRequest, reference: str, entry_id: int) -> HttpResponse:
    """Text a code to one of the registration's numbers, to prove the applicant holds it."""
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    entry = selectors.number_entry_get_for_user(registration=registration, entry_id=entry_id)
    try:
        proof = proofs.msisdn_code_send(
            user=request.user,
            msisdn=entry.msisdn or "",
            operator=entry.operator,
            client_address=client_address(request),
        )
    except PortalError as error:
        return _back_to_review(request, reference, error, f"number-{entry.pk}")
    minutes = int(proofs.CODE_VALID_FOR.total_seconds() // 60)
    sent = ngettext(
        "We sent a code to %(number)s. It works for %(minutes)d minute.",
        "We sent a code to %(number)s. It works for %(minutes)d minutes.",
        minutes,
    )
    messages.success(request, sent % {"number": isolate(mask_msisdn(proof.msisdn)), "minutes": minutes})
    return _back_to_review(request, reference)


@applicant_required
@require_POST
def number_code_verify(request: SignedInRequest, reference: str, entry_id: int) -> HttpResponse:
    """The code the number received: proves the applicant holds it."""
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    entry = selectors.number_entry_get_for_user(registration=registration, entry_id=entry_id)
    form = NumberCodeForm(request.POST)
    if not form.is_valid():
        return _back_to_review(
            request, reference, PortalError(" ".join(map(str, form.errors["code"]))), f"code-{entry.pk}"
        )
    try:
        proofs.msisdn_code_verify(user=request.user, msisdn=entry.msisdn or "", code=form.cleaned_data["code"])
    except PortalError as error:
        return _back_to_review(request, reference, error, f"code-{entry.pk}")
    messages.success(request, _("%(number)s is proved.") % {"number": isolate(mask_msisdn(entry.msisdn or ""))})
    return _back_to_review(request, reference)


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
        "renewal": selectors.renewal_state(registration=registration),
        "replaces": registration.entries.filter(replaces__isnull=False, registration__renews__isnull=True)
        .select_related("replaces__registration")
        .first(),
        "can_replace": registration.status == Status.APPROVED,
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


@applicant_required
@require_http_methods(["GET", "POST"])
def registration_renew(request: SignedInRequest, reference: str) -> HttpResponse:
    """Renew an approval: confirm or update its purpose and ISP, choose the entries to keep."""
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    approved = list(registration.entries.filter(status=Status.APPROVED).order_by("id")[:RENEWABLE_ON_THE_WEB])
    stated = {field: getattr(registration, field) for field in ("purpose", "purpose_detail", "isp", "isp_other")}
    initial = {**stated, "vpn_type": registration.vpn_type, "keep": [str(entry.pk) for entry in approved]}
    form = RenewalForm(request.POST if request.method == "POST" else None, initial=initial, entries=approved)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        keep = {int(pk) for pk in data.pop("keep")}
        batch = services.Batch(**data)
        try:
            renewal = services.registration_renew(
                registration=registration,
                user=request.user,
                batch=batch,
                drop=[entry.pk for entry in approved if entry.pk not in keep],
            )
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your renewal %(reference)s was submitted.") % {"reference": renewal.reference})
            return redirect(renewal)
    context = {"registration": registration, "form": form, "opens": services.renewal_opens_on(registration)}
    return render(request, "vpn_records/renew.html", context)


# A registration of more entries is renewed over the API (a form of thousands of checkboxes helps nobody).
RENEWABLE_ON_THE_WEB = 200


@applicant_required
@require_http_methods(["GET", "POST"])
def entry_replace(request: SignedInRequest, reference: str, entry_id: int) -> HttpResponse:
    """Replace an approved network the ISP has taken back."""
    registration = selectors.registration_get_for_user(user=request.user, reference=reference)
    entry = selectors.entry_get_for_user(registration=registration, entry_id=entry_id)
    form = ReplaceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            replacement = services.entry_replace(entry=entry, user=request.user, **form.cleaned_data)
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, _("Your address change %(reference)s was submitted.") % {"reference": replacement.reference}
            )
            return redirect(replacement)
    return render(request, "vpn_records/replace.html", {"registration": registration, "entry": entry, "form": form})

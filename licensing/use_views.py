"""Naming the licensed provider whose VPN one uses, instead of registering: chosen from the register only."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from applicants.http import SignedInRequest, applicant_required
from core.errors import PortalError

from . import selectors, services


class ProviderUseForm(forms.Form):
    licence_number = forms.ChoiceField(
        label=_("Your VPN provider"),
        help_text=_("Only providers holding a licence in force are listed."),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licence_number"].choices = [  # type: ignore[attr-defined]
            (licence.licence_number, f"{licence.trade_name} ({licence.applicant.legal_name}, {licence.licence_number})")
            for licence in selectors.licences_on_register()
        ]


@applicant_required
@require_http_methods(["GET", "POST"])
def provider_use_new(request: SignedInRequest) -> HttpResponse:
    form = ProviderUseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            use = services.provider_use_record(user=request.user, licence_number=form.cleaned_data["licence_number"])
        except PortalError as error:
            form.add_error("licence_number", error.message)
        else:
            return redirect("licensing:provider_use", use_id=use.pk)
    return render(request, "licensing/provider_use_new.html", {"form": form})


@applicant_required
@require_GET
def provider_use_detail(request: SignedInRequest, use_id: int) -> HttpResponse:
    use = selectors.provider_use_get_for_user(user=request.user, use_id=use_id)
    return render(request, "licensing/provider_use.html", {"use": use})

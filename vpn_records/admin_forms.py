from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DeniedNumber, RejectionReason
from .msisdn import normalise_msisdn


class DecisionReasonForm(forms.Form):
    """The reason behind a rejection or a request for changes: a standard one, with free text if wanted."""

    standard_reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *RejectionReason.choices])
    details = forms.CharField(
        label=_("Details for the applicant"), required=False, max_length=1500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("standard_reason") == RejectionReason.OTHER and not cleaned.get("details", "").strip():
            self.add_error("details", _("Explain the reason when you choose “Other”."))
        return cleaned

    def reason(self) -> str:
        code = self.cleaned_data["standard_reason"]
        standard = "" if code == RejectionReason.OTHER else str(RejectionReason(code).label)
        return " ".join(part for part in (standard, self.cleaned_data["details"].strip()) if part)


class DeniedNumberForm(forms.ModelForm):
    """A number to bar, typed as staff have it (0300-1234567, +92 300 1234567, Urdu digits), kept in E.164."""

    msisdn = forms.CharField(label=_("mobile number"), max_length=30)

    class Meta:
        model = DeniedNumber
        fields = ["msisdn", "reason"]

    def clean_msisdn(self) -> str:
        return normalise_msisdn(self.cleaned_data["msisdn"])

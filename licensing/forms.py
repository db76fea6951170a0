"""The web's forms for licence applications: they read what was typed; the services judge it."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext_lazy as _

from core.bidi import isolate
from core.errors import PortalError
from core.networks import LineError, parse_network_lines
from vpn_records import msisdn
from vpn_records.forms import line_errors

from .models import Clientele, LicenceDocumentKind, Province, Scope

NO_AUTOCORRECT = {"spellcheck": "false", "autocapitalize": "off", "dir": "ltr"}
# The service names the technical contact's parts as the API does.
SERVICE_FIELDS = {
    "technical_contact.name": "contact_name",
    "technical_contact.email": "contact_email",
    "technical_contact.mobile": "contact_mobile",
}


class LicenceApplicationForm(forms.Form):
    trade_name = forms.CharField(
        label=_("Trade name"),
        max_length=200,
        help_text=_("The name your customers know the VPN service by."),
        error_messages={"required": _("Enter the trade name.")},
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    scope = forms.ChoiceField(
        label=_("Where will you provide the service?"),
        choices=Scope.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose nationwide or named provinces.")},
    )
    provinces = forms.MultipleChoiceField(
        label=_("Provinces and territories"),
        choices=Province.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only if you chose named provinces: tick each one."),
    )
    clientele = forms.ChoiceField(
        label=_("Who are your clients?"),
        choices=Clientele.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose commercial clients or the public.")},
    )
    data_centres = forms.CharField(
        label=_("Data centres in Pakistan"),
        help_text=_("One per line: where each data centre is, such as Karachi (Korangi)."),
        error_messages={"required": _("Name at least one data centre in Pakistan.")},
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    gateways = forms.CharField(
        label=_("Gateway networks"),
        help_text=_("One per line: the networks your customers' traffic leaves through, such as 111.68.96.0/28."),
        error_messages={"required": _("Enter at least one gateway network.")},
        widget=forms.Textarea(attrs={"rows": 4, **NO_AUTOCORRECT}),
    )
    contact_name = forms.CharField(
        label=_("Technical contact's name"),
        max_length=200,
        error_messages={"required": _("Name the technical contact.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )
    contact_email = forms.EmailField(
        label=_("Technical contact's email address"),
        max_length=254,
        error_messages={
            "required": _("Enter the technical contact's email address."),
            "invalid": _("Enter the technical contact's email address."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", **NO_AUTOCORRECT}),
    )
    contact_mobile = forms.CharField(
        label=_("Technical contact's mobile number"),
        max_length=30,
        help_text=_("A Pakistani mobile number, such as 0300 1234567."),
        error_messages={"required": msisdn.MESSAGE},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", **NO_AUTOCORRECT}),
    )
    fee_reference = forms.CharField(
        label=_("Fee challan number"),
        max_length=50,
        error_messages={"required": _("Enter the fee challan number.")},
        widget=forms.TextInput(attrs=NO_AUTOCORRECT),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gateway_lines: list[int] = []
        self.fields["scope"].help_text = _(
            "The fee is Rs %(nationwide)s nationwide, or Rs %(each)s for each province or territory."
        ) % {
            "nationwide": isolate(intcomma(settings.LICENCE_FEE_NATIONWIDE, use_l10n=False)),
            "each": isolate(intcomma(settings.LICENCE_FEE_PER_PROVINCE, use_l10n=False)),
        }

    def clean_data_centres(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["data_centres"].splitlines() if line.strip()]

    def clean_gateways(self) -> list[str]:
        text = self.cleaned_data["gateways"]
        networks, errors = parse_network_lines(text)
        if errors:
            raise line_errors(errors)
        # The line each network came from, so the service's finding on the n-th network names its line.
        self.gateway_lines = [number for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
        return [str(network) for network in networks]

    def clean_contact_mobile(self) -> str:
        msisdn.normalise_msisdn(self.cleaned_data["contact_mobile"])  # its ValidationError names what is wrong
        return self.cleaned_data["contact_mobile"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "trade_name": data["trade_name"],
            "scope": data["scope"],
            "provinces": data["provinces"],
            "clientele": data["clientele"],
            "data_centres": data["data_centres"],
            "gateways": data["gateways"],
            "technical_contact": {
                "name": data["contact_name"],
                "email": data["contact_email"],
                "mobile": data["contact_mobile"],
            },
            "fee_reference": data["fee_reference"],
        }

    def add_service_error(self, error: PortalError) -> None:
        """The service's refusal on the field it names: `gateways[2]` is the gateways box, by its line."""
        field = SERVICE_FIELDS.get(error.field or "", error.field or "")
        if field.startswith("gateways[") and self.gateway_lines:
            index = int(field.removeprefix("gateways[").removesuffix("]"))
            line = self.gateway_lines[index]
            self.add_error("gateways", line_errors([LineError(line, error.message)]))
            return
        field = field.split("[")[0]
        self.add_error(field if field in self.fields else None, error.message)


class LicenceDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Which document"), choices=LicenceDocumentKind.choices)
    file = forms.FileField(
        label=_("File (PDF, JPEG or PNG)"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )


class LicenceWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
    )

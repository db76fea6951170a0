from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import PortalError
from core.networks import LineError, NetworkError, parse_network, parse_network_lines

from .models import Isp, Purpose, Registration, VpnType
from .msisdn import MobileNumber, number_line, parse_number_lines
from .services import isp_other_kept


class RegistrationDetailsForm(forms.Form):
    """What a registration states about its networks: shared by the form and a bulk upload's batch."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    purpose_detail = forms.CharField(
        label=_("Describe the purpose"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),  # English typed on an Urdu page reads as English
        help_text=_("For example: the clients you serve and why they need this VPN."),
    )
    isp = forms.ChoiceField(label=_("Internet service provider"), choices=Isp.choices)
    isp_other = forms.CharField(label=_("ISP name, if “Other”"), max_length=100, required=False)
    vpn_type = forms.ChoiceField(label=_("VPN type"), choices=VpnType.choices)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if "isp" in cleaned:
            try:
                cleaned["isp_other"] = isp_other_kept(isp=cleaned["isp"], isp_other=cleaned.get("isp_other", ""))
            except PortalError as error:
                self.add_error("isp_other", error.message)
        return cleaned


class RegistrationForm(RegistrationDetailsForm):
    # One per form shown: sent twice, it finds the draft it made (services.registration_create).
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    networks = forms.CharField(
        label=_("IP addresses or networks"),
        required=False,  # numbers instead will do: clean() asks for one or the other
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocapitalize": "off", "dir": "ltr"}),
        help_text=_("One per line: an address such as 111.68.96.10, or a network such as 111.68.96.0/28."),
    )
    numbers = forms.CharField(
        label=_("Mobile numbers whose data connection carries your VPN"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "off", "autocomplete": "off", "dir": "ltr"}
        ),
        help_text=_(
            "One per line, such as 0300 1234567. We read the operator from the number; if you moved the number to "
            "another operator, write its name after it: 0300 1234567 Zong. We will send each number a code by SMS."
        ),
    )

    def clean_networks(self):
        networks, errors = parse_network_lines(self.cleaned_data["networks"])
        if errors:
            raise line_errors(errors)
        return networks

    def clean_numbers(self):
        numbers, errors = parse_number_lines(self.cleaned_data["numbers"])
        if errors:
            raise line_errors(errors)
        return numbers

    def clean(self):
        cleaned = super().clean()
        typed = any(cleaned.get(name) or self.has_error(name) for name in ("networks", "numbers"))
        if not typed:
            self.add_error(
                "networks",
                ValidationError(_("Enter at least one IP address, network or mobile number."), code="required"),
            )
        return cleaned

    @classmethod
    def initial_for(cls, registration: Registration) -> dict:
        entries = list(registration.entries.order_by("id"))
        return {
            "purpose": registration.purpose,
            "purpose_detail": registration.purpose_detail,
            "isp": registration.isp,
            "isp_other": registration.isp_other,
            "vpn_type": registration.vpn_type,
            "networks": "\n".join(e.network_display for e in entries if not e.is_number),
            "numbers": "\n".join(
                number_line(MobileNumber(e.msisdn, e.operator)) for e in entries if e.msisdn is not None
            ),
        }


def line_errors(errors: list[LineError]) -> ValidationError:
    """One message per faulty line, each naming its line (shared with the licence application form)."""
    return ValidationError(
        [
            ValidationError(_("Line %(line)s: %(message)s"), params={"line": e.line, "message": e.message})
            for e in errors
        ]
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NumberCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=12, error_messages={"required": _("Enter the 6-digit code we sent by SMS.")}
    )


class RenewalForm(RegistrationDetailsForm):
    """Confirm or update what the registration states, and choose the entries to renew."""

    keep = forms.MultipleChoiceField(
        label=_("Entries to renew"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick any you no longer use: they stay approved until their approval ends, and are not renewed."),
        error_messages={"required": _("Keep at least one entry to renew.")},
    )

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(str(entry.pk), entry.display) for entry in entries]  # type: ignore[attr-defined]


class ReplaceForm(forms.Form):
    network = forms.CharField(
        label=_("New IP address or network"),
        max_length=100,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off", "dir": "ltr"}),
        help_text=_("The address or network your ISP now assigns you, such as 111.68.96.20 or 111.68.96.16/28."),
    )
    reason = forms.CharField(
        label=_("Why did the address change?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=_("For example: the ISP moved us to a new block. The reviewer reads it."),
    )
    old_leaves = forms.ChoiceField(
        label=_("When should the old network leave the whitelist?"),
        choices=[("on_approval", _("When the new one is approved")), ("now", _("At once"))],
        initial="on_approval",
        widget=forms.RadioSelect,
    )

    def clean_network(self):
        try:
            return parse_network(self.cleaned_data["network"])
        except NetworkError as error:
            raise ValidationError(error.message, code="invalid_network") from error

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from core.errors import PortalError

from .models import Isp, Purpose, Registration, VpnType
from .networks import display_network, parse_network_lines
from .services import isp_other_kept
from .uploads import over_limit_message


class RegistrationDetailsForm(forms.Form):
    """What a registration states about its networks: shared by the form and a bulk upload's batch."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    purpose_detail = forms.CharField(
        label=_("Describe the purpose"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
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
    networks = forms.CharField(
        label=_("IP addresses or networks"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocapitalize": "off", "dir": "ltr"}),
        help_text=_("One per line: an address such as 111.68.96.10, or a network such as 111.68.96.0/28."),
    )

    def clean_networks(self):
        networks, errors = parse_network_lines(self.cleaned_data["networks"])
        if errors:
            raise ValidationError(
                [
                    ValidationError(_("Line %(line)s: %(message)s"), params={"line": e.line, "message": e.message})
                    for e in errors
                ]
            )
        if not networks:
            raise ValidationError(_("Enter at least one IP address or network."), code="required")
        return networks

    @classmethod
    def initial_for(cls, registration: Registration) -> dict:
        return {
            "purpose": registration.purpose,
            "purpose_detail": registration.purpose_detail,
            "isp": registration.isp,
            "isp_other": registration.isp_other,
            "vpn_type": registration.vpn_type,
            "networks": "\n".join(display_network(e.network) for e in registration.entries.order_by("id")),
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkUploadForm(RegistrationDetailsForm):
    file = forms.FileField(
        label=_("File of IP addresses (CSV or XLSX)"),
        help_text=_(
            "Columns: ip (an address or a network), and optionally site, vpn_type and notes. "
            "Up to %(rows)s rows and %(size)s MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing: register nothing if any row has an error"), required=False
    )
    field_order = ["file", "purpose", "purpose_detail", "isp", "isp_other", "vpn_type", "all_or_nothing"]

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.fields["vpn_type"].label = _("VPN type (rows may give their own)")
        self.fields["file"].help_text = self.fields["file"].help_text % {
            "rows": f"{settings.BULK_UPLOAD_MAX_ROWS:,}",
            "size": f"{settings.BULK_UPLOAD_MAX_BYTES / 1_000_000:g}",
        }

    def full_clean(self):
        # The request stopped reading a file over the limit, so the other fields may be missing: say only that.
        if not (self.too_large and self.is_bound):
            return super().full_clean()
        self._errors, self.cleaned_data = ErrorDict(), {}
        self.add_error("file", ValidationError(over_limit_message(), code="too_large"))
        return None

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from vpn_records.forms import RegistrationDetailsForm

from .readers import over_limit_message


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

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    """Class licences for VPN service providers and their public register. Builds on vpn_records (its gateways are
    published there) and evidence (documents judged and stored alike); neither imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "licensing"
    verbose_name = _("VPN provider licences")

    def ready(self) -> None:
        from vpn_records.extensions import register_form_panel

        from .panels import provider_panel

        register_form_panel(provider_panel)

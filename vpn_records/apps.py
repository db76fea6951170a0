from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VpnRecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vpn_records"
    verbose_name = _("VPN registrations")

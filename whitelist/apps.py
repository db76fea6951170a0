from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhitelistConfig(AppConfig):
    """The operators' whitelist: the check, the exports and each web process's copy. Reads vpn_records' entries;
    vpn_records never imports it."""

    name = "whitelist"
    verbose_name = _("Whitelist")

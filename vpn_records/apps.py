from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class VpnRecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vpn_records"
    verbose_name = _("VPN registrations")

    def ready(self) -> None:
        from .fields import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="vpn_records_sqlite_functions")

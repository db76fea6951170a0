from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """Certificates of approved registrations, and their public verification. Reads vpn_records; vpn_records never
    imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        # vpn_records may not import this app: it tells and asks through its extension points instead.
        from vpn_records.extensions import (
            register_decision_listener,
            register_registration_links,
            register_registration_panel,
        )

        from .hooks import LINK_NAMES, certificate_links, certificate_panel, issue_on_approval

        register_decision_listener(issue_on_approval)
        register_registration_panel(certificate_panel)
        register_registration_links(certificate_links, names=LINK_NAMES)

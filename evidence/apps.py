from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evidence"
    verbose_name = _("Supporting documents")

    def ready(self) -> None:
        # vpn_records may not import this app: it asks through its extension points instead.
        from vpn_records.extensions import (
            register_form_panel,
            register_registration_panel,
            register_submission_check,
        )

        from .checklist import documents_complete, documents_needed_panel, documents_panel

        register_submission_check(documents_complete)
        register_registration_panel(documents_panel)
        register_form_panel(documents_needed_panel)

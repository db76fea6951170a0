from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrivesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "drives"
    verbose_name = _("Registration drives")

    def ready(self) -> None:
        # vpn_records may not import this app: it asks through its extension points instead.
        from vpn_records.extensions import (
            register_creation_check,
            register_submission_check,
            register_submission_stamp,
        )

        from .window import first_submission_refusal, late_stamp, new_registration_refusal

        register_creation_check(new_registration_refusal)
        register_submission_check(first_submission_refusal)
        register_submission_stamp(late_stamp)

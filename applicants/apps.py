from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "applicants"
    verbose_name = _("Applicants")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from .models import OperatorAccount, User
        from .tokens import account_saved

        # A proxy model's saves are sent with the proxy as sender.
        for model in (User, OperatorAccount):
            post_save.connect(account_saved, sender=model, dispatch_uid=f"applicants.account_saved.{model.__name__}")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Helpers every app shares; imports no app of ours (import-linter holds it)."""

    name = "core"
    verbose_name = _("Core")

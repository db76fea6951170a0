from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulkUploadsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bulk_uploads"
    verbose_name = _("Bulk uploads")

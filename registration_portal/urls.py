from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView

from core import api_docs, api_errors, health

# Each app's API under one namespace, in the order the schema lists them.
api_v1 = [
    path("", include("applicants.api_urls")),
    path("", include("vpn_records.api_urls")),
    path("", include("certificates.api_urls")),
    path("", include("evidence.api_urls")),
    path("", include("bulk_uploads.api_urls")),
    path("", include("whitelist.api_urls")),
    path("", include("drives.api_urls")),
    path("", include("licensing.api_urls")),
]

handler400 = "core.api_errors.bad_request"
handler403 = "core.api_errors.permission_denied"
handler404 = "core.api_errors.page_not_found"
handler500 = "core.api_errors.server_error"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("account/", include("applicants.urls")),
    # Before registrations/<reference>/, which would take "bulk" for a reference.
    path("registrations/bulk/", include("bulk_uploads.urls")),
    path("registrations/<str:reference>/documents/", include("evidence.urls")),
    path("", include("certificates.urls")),  # verify/<code>/ and registrations/<reference>/certificate.pdf
    path("", include("licensing.urls")),  # licensed-providers/ and licences/
    path("registrations/", include("vpn_records.urls")),
    path("messages/", include("notifications.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs.swagger_ui, name="api-docs"),
    path("api/redoc/", api_docs.redoc, name="api-redoc"),
    re_path(r"^api/(?P<unmatched>.*)$", api_errors.api_not_found),  # last under api/: the JSON 404 for the rest
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView

from applicants.api import TokenView
from core import api_docs, health
from vpn_records.api import (
    EntryDetailAPI,
    EntryListAPI,
    RegistrationDetailAPI,
    RegistrationListCreateAPI,
    RegistrationWithdrawAPI,
    ReviewEntryDecisionAPI,
)
from vpn_records.bulk_api import BulkUploadCancelAPI, BulkUploadDetailAPI, BulkUploadErrorsAPI, BulkUploadListCreateAPI
from whitelist.api import WhitelistCheckAPI, WhitelistExportAPI

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("registrations/", RegistrationListCreateAPI.as_view(), name="registration-list"),
    path("registrations/<str:reference>/", RegistrationDetailAPI.as_view(), name="registration-detail"),
    path("registrations/<str:reference>/withdraw/", RegistrationWithdrawAPI.as_view(), name="registration-withdraw"),
    path("registrations/<str:reference>/entries/", EntryListAPI.as_view(), name="registration-entry-list"),
    path("registrations/<str:reference>/entries/<int:pk>/", EntryDetailAPI.as_view(), name="registration-entry-detail"),
    path("bulk-uploads/", BulkUploadListCreateAPI.as_view(), name="bulk-upload-list"),
    path("bulk-uploads/<uuid:public_id>/", BulkUploadDetailAPI.as_view(), name="bulk-upload-detail"),
    path("bulk-uploads/<uuid:public_id>/cancel/", BulkUploadCancelAPI.as_view(), name="bulk-upload-cancel"),
    path("bulk-uploads/<uuid:public_id>/errors.csv", BulkUploadErrorsAPI.as_view(), name="bulk-upload-errors"),
    path("whitelist/check/", WhitelistCheckAPI.as_view(), name="whitelist-check"),
    path("whitelist/export.txt", WhitelistExportAPI.as_view(kind="txt"), name="whitelist-export-txt"),
    path("whitelist/export.csv", WhitelistExportAPI.as_view(kind="csv"), name="whitelist-export-csv"),
    path("whitelist/export.json", WhitelistExportAPI.as_view(kind="json"), name="whitelist-export-json"),
    path("review/entries/<int:pk>/approve/", ReviewEntryDecisionAPI.as_view(approve=True), name="review-entry-approve"),
    path("review/entries/<int:pk>/reject/", ReviewEntryDecisionAPI.as_view(approve=False), name="review-entry-reject"),
]

handler404 = "core.api_errors.page_not_found"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("account/", include("applicants.urls")),
    path("registrations/", include("vpn_records.urls")),
    path("messages/", include("notifications.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs.swagger_ui, name="api-docs"),
    path("api/redoc/", api_docs.redoc, name="api-redoc"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

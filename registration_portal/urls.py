from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from applicants.api import TokenView
from registration_portal import health
from vpn_records.api import RegistrationDetailAPI, RegistrationListCreateAPI, ReviewEntryDecisionAPI
from vpn_records.bulk_api import BulkUploadCancelAPI, BulkUploadDetailAPI, BulkUploadErrorsAPI, BulkUploadListCreateAPI

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("registrations/", RegistrationListCreateAPI.as_view(), name="registration-list"),
    path("registrations/<str:reference>/", RegistrationDetailAPI.as_view(), name="registration-detail"),
    path("bulk-uploads/", BulkUploadListCreateAPI.as_view(), name="bulk-upload-list"),
    path("bulk-uploads/<uuid:public_id>/", BulkUploadDetailAPI.as_view(), name="bulk-upload-detail"),
    path("bulk-uploads/<uuid:public_id>/cancel/", BulkUploadCancelAPI.as_view(), name="bulk-upload-cancel"),
    path("bulk-uploads/<uuid:public_id>/errors.csv", BulkUploadErrorsAPI.as_view(), name="bulk-upload-errors"),
    path("review/entries/<int:pk>/approve/", ReviewEntryDecisionAPI.as_view(approve=True), name="review-entry-approve"),
    path("review/entries/<int:pk>/reject/", ReviewEntryDecisionAPI.as_view(approve=False), name="review-entry-reject"),
]

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("account/", include("applicants.urls")),
    path("registrations/", include("vpn_records.urls")),
    path("messages/", include("notifications.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

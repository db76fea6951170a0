from django.urls import path

from .api import BulkUploadCancelAPI, BulkUploadDetailAPI, BulkUploadErrorsAPI, BulkUploadListCreateAPI

urlpatterns = [
    path("bulk-uploads/", BulkUploadListCreateAPI.as_view(), name="bulk-upload-list"),
    path("bulk-uploads/<uuid:public_id>/", BulkUploadDetailAPI.as_view(), name="bulk-upload-detail"),
    path("bulk-uploads/<uuid:public_id>/cancel/", BulkUploadCancelAPI.as_view(), name="bulk-upload-cancel"),
    path("bulk-uploads/<uuid:public_id>/errors.csv", BulkUploadErrorsAPI.as_view(), name="bulk-upload-errors"),
]

from django.urls import path

from .api import DocumentDetailAPI, DocumentListCreateAPI

urlpatterns = [
    path(
        "registrations/<str:reference>/documents/", DocumentListCreateAPI.as_view(), name="registration-document-list"
    ),
    path(
        "registrations/<str:reference>/documents/<int:pk>/",
        DocumentDetailAPI.as_view(),
        name="registration-document-detail",
    ),
]

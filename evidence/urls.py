from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.document_upload, name="upload"),
    path("<int:document_id>/", views.document_file, name="file"),
    path("<int:document_id>/delete/", views.document_delete, name="delete"),
]

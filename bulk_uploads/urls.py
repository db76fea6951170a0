from django.urls import path

from . import views

app_name = "bulk_uploads"

urlpatterns = [
    path("", views.upload_new, name="new"),
    path("template.<str:file_format>", views.upload_template, name="template"),
    path("<uuid:public_id>/", views.upload_detail, name="upload"),
    path("<uuid:public_id>/cancel/", views.upload_cancel, name="cancel"),
    path("<uuid:public_id>/errors.csv", views.upload_errors, name="errors"),
]

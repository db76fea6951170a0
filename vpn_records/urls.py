from django.urls import path

from . import views

app_name = "vpn_records"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.registration_new, name="new"),
    path("bulk/", views.bulk_upload_new, name="bulk_upload_new"),
    path("bulk/template.<str:file_format>", views.bulk_upload_template, name="bulk_upload_template"),
    path("bulk/<uuid:public_id>/", views.bulk_upload_detail, name="bulk_upload"),
    path("bulk/<uuid:public_id>/cancel/", views.bulk_upload_cancel, name="bulk_upload_cancel"),
    path("bulk/<uuid:public_id>/errors.csv", views.bulk_upload_errors, name="bulk_upload_errors"),
    path("<str:reference>/", views.registration_detail, name="detail"),
    path("<str:reference>/edit/", views.registration_edit, name="edit"),
    path("<str:reference>/review/", views.registration_review, name="review"),
    path("<str:reference>/submit/", views.registration_submit, name="submit"),
    path("<str:reference>/submitted/", views.registration_submitted, name="submitted"),
    path("<str:reference>/withdraw/", views.registration_withdraw, name="withdraw"),
]

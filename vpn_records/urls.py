from django.urls import path

from . import views

app_name = "vpn_records"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.registration_new, name="new"),
    path("<str:reference>/", views.registration_detail, name="detail"),
    path("<str:reference>/edit/", views.registration_edit, name="edit"),
    path("<str:reference>/review/", views.registration_review, name="review"),
    path("<str:reference>/submit/", views.registration_submit, name="submit"),
    path("<str:reference>/numbers/<int:entry_id>/send-code/", views.number_code_send, name="number_code_send"),
    path("<str:reference>/numbers/<int:entry_id>/verify-code/", views.number_code_verify, name="number_code_verify"),
    path("<str:reference>/submitted/", views.registration_submitted, name="submitted"),
    path("<str:reference>/withdraw/", views.registration_withdraw, name="withdraw"),
    path("<str:reference>/renew/", views.registration_renew, name="renew"),
    path("<str:reference>/entries/<int:entry_id>/replace/", views.entry_replace, name="replace"),
]

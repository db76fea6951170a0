from django.urls import path

from . import views

app_name = "licensing"

urlpatterns = [
    path("licensed-providers/", views.register, name="register"),
    path("licences/", views.mine, name="mine"),
    path("licences/new/", views.application_new, name="new"),
    path("licences/<int:application_id>/", views.application_detail, name="application"),
    path("licences/<int:application_id>/documents/", views.document_upload, name="upload"),
    path("licences/<int:application_id>/submit/", views.application_submit, name="submit"),
    path("licences/<int:application_id>/withdraw/", views.application_withdraw, name="withdraw"),
    path("licences/<int:application_id>/documents/<int:document_id>/", views.document_file, name="document"),
]

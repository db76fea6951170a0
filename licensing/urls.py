from django.urls import path

from . import use_views, views

app_name = "licensing"

urlpatterns = [
    path("licensed-providers/", views.register, name="register"),
    path("licences/", views.mine, name="mine"),
    path("licences/new/", views.application_new, name="new"),
    path("licences/<int:application_id>/", views.application_detail, name="application"),
    path("licences/<int:application_id>/documents/", views.document_upload, name="upload"),
    path("licences/<int:application_id>/submit/", views.application_submit, name="submit"),
    path("licences/<int:application_id>/withdraw/", views.application_withdraw, name="withdraw"),
    path("licensed-providers/my-provider/", use_views.provider_use_new, name="provider_use_new"),
    path("licensed-providers/my-provider/<int:use_id>/", use_views.provider_use_detail, name="provider_use"),
    path("licences/<int:application_id>/documents/<int:document_id>/", views.document_file, name="document"),
]

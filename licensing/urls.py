from django.urls import path

from . import use_views, views

app_name = "licensing"

urlpatterns = [
    path("licensed-providers/", views.register, name="register"),
    path("licences/", views.mine, name="mine"),
    path("licensed-providers/my-provider/", use_views.provider_use_new, name="provider_use_new"),
    path("licensed-providers/my-provider/<int:use_id>/", use_views.provider_use_detail, name="provider_use"),
    path("licences/<int:application_id>/documents/<int:document_id>/", views.document_file, name="document"),
]

from django.urls import path

from . import views

app_name = "licensing"

urlpatterns = [
    path("licensed-providers/", views.register, name="register"),
    path("licences/", views.mine, name="mine"),
    path("licences/<int:application_id>/documents/<int:document_id>/", views.document_file, name="document"),
]

from django.urls import path

from .api import RegistrationWindowAPI

urlpatterns = [
    path("registration-window/", RegistrationWindowAPI.as_view(), name="registration-window"),
]

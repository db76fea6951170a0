from django.urls import path

from .api import CertificatePdfAPI, VerifyAPI

urlpatterns = [
    path("registrations/<str:reference>/certificate.pdf", CertificatePdfAPI.as_view(), name="registration-certificate"),
    path("verify/<str:code>/", VerifyAPI.as_view(), name="certificate-verify"),
]

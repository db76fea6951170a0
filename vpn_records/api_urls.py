from django.urls import path

from .api import (
    EntryDetailAPI,
    EntryListAPI,
    EntryReplaceAPI,
    RegistrationDetailAPI,
    RegistrationListCreateAPI,
    RegistrationRenewAPI,
    RegistrationSubmitAPI,
    RegistrationWithdrawAPI,
    ReviewEntryApproveAPI,
    ReviewEntryRejectAPI,
    ReviewEntryRevokeAPI,
)
from .proof_api import MsisdnCodeAPI, MsisdnCodeVerifyAPI

urlpatterns = [
    path("registrations/", RegistrationListCreateAPI.as_view(), name="registration-list"),
    path("registrations/<str:reference>/", RegistrationDetailAPI.as_view(), name="registration-detail"),
    path("registrations/<str:reference>/submit/", RegistrationSubmitAPI.as_view(), name="registration-submit"),
    path("registrations/<str:reference>/withdraw/", RegistrationWithdrawAPI.as_view(), name="registration-withdraw"),
    path("registrations/<str:reference>/renew/", RegistrationRenewAPI.as_view(), name="registration-renew"),
    path("registrations/<str:reference>/entries/", EntryListAPI.as_view(), name="registration-entry-list"),
    path("registrations/<str:reference>/entries/<int:pk>/", EntryDetailAPI.as_view(), name="registration-entry-detail"),
    path(
        "registrations/<str:reference>/entries/<int:pk>/replace/",
        EntryReplaceAPI.as_view(),
        name="registration-entry-replace",
    ),
    path("msisdn-codes/", MsisdnCodeAPI.as_view(), name="msisdn-code"),
    path("msisdn-codes/verify/", MsisdnCodeVerifyAPI.as_view(), name="msisdn-code-verify"),
    path("review/entries/<int:pk>/approve/", ReviewEntryApproveAPI.as_view(), name="review-entry-approve"),
    path("review/entries/<int:pk>/reject/", ReviewEntryRejectAPI.as_view(), name="review-entry-reject"),
    path("review/entries/<int:pk>/revoke/", ReviewEntryRevokeAPI.as_view(), name="review-entry-revoke"),
]

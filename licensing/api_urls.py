from django.urls import path

from . import api, use_api

urlpatterns = [
    path("provider-uses/", use_api.ProviderUseAPI.as_view(), name="provider-use"),
    path("licence-applications/", api.LicenceApplicationListCreateAPI.as_view(), name="licence-application-list"),
    path(
        "licence-applications/<int:pk>/", api.LicenceApplicationDetailAPI.as_view(), name="licence-application-detail"
    ),
    path(
        "licence-applications/<int:pk>/documents/",
        api.LicenceDocumentListCreateAPI.as_view(),
        name="licence-application-documents",
    ),
    path(
        "licence-applications/<int:pk>/submit/",
        api.LicenceApplicationSubmitAPI.as_view(),
        name="licence-application-submit",
    ),
    path(
        "licence-applications/<int:pk>/withdraw/",
        api.LicenceApplicationWithdrawAPI.as_view(),
        name="licence-application-withdraw",
    ),
    path(
        "review/licence-applications/<int:pk>/recommend/",
        api.ReviewRecommendAPI.as_view(),
        name="review-licence-recommend",
    ),
    path(
        "review/licence-applications/<int:pk>/request-info/",
        api.ReviewRequestInformationAPI.as_view(),
        name="review-licence-request-info",
    ),
    path("review/licence-applications/<int:pk>/grant/", api.ReviewGrantAPI.as_view(), name="review-licence-grant"),
    path("review/licence-applications/<int:pk>/refuse/", api.ReviewRefuseAPI.as_view(), name="review-licence-refuse"),
    path("licensed-providers/", api.LicensedProvidersAPI.as_view(), name="licensed-providers"),
]

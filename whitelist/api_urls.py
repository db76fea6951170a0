from django.urls import path

from .api import WhitelistCheckAPI, WhitelistExportAPI
from .mobile_api import MobileWhitelistCheckAPI, MobileWhitelistExportAPI

urlpatterns = [
    path("whitelist/check/", WhitelistCheckAPI.as_view(), name="whitelist-check"),
    path("whitelist/export.txt", WhitelistExportAPI.as_view(kind="txt"), name="whitelist-export-txt"),
    path("whitelist/export.csv", WhitelistExportAPI.as_view(kind="csv"), name="whitelist-export-csv"),
    path("whitelist/export.json", WhitelistExportAPI.as_view(kind="json"), name="whitelist-export-json"),
    path("mobile-whitelist/check/", MobileWhitelistCheckAPI.as_view(), name="mobile-whitelist-check"),
    path("mobile-whitelist/export.csv", MobileWhitelistExportAPI.as_view(), name="mobile-whitelist-export-csv"),
]

from django.urls import path

from .api import WhitelistCheckAPI, WhitelistExportAPI

urlpatterns = [
    path("whitelist/check/", WhitelistCheckAPI.as_view(), name="whitelist-check"),
    path("whitelist/export.txt", WhitelistExportAPI.as_view(kind="txt"), name="whitelist-export-txt"),
    path("whitelist/export.csv", WhitelistExportAPI.as_view(kind="csv"), name="whitelist-export-csv"),
    path("whitelist/export.json", WhitelistExportAPI.as_view(kind="json"), name="whitelist-export-json"),
]

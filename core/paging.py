from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import APIView


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows: on a million-row table an exact COUNT(*) is most of the page's time."""

    CAP = 10_000
    object_list: QuerySet  # the admin's changelists page querysets

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.CAP + 1].count()


class ApiPagination(PageNumberPagination):
    """50 a page, `?page_size=` up to 500. The schema gives both parameters' ranges, so a value outside them is
    refused with a 400 naming it (core.api_contract) rather than quietly clamped."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_schema_operation_parameters(self, view: APIView) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        ranges = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"] |= ranges.get(parameter["name"], {})
        return parameters
